using System.Text.Json;
using EventLedger.Api.Http;
using EventLedger.Api.OpenApi;
using EventLedger.Domain.Invoices;
using EventLedger.Projections;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.CountryCounts;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.InvoiceTransactions;
using Amazon.DynamoDBv2;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EventLedger.Api.ReadModels;

/// <summary>The read side over HTTP: the four DynamoDB read models, each with <c>minVersion</c> for read-your-writes.</summary>
public static class ReadModelEndpoints
{
    public static RouteGroupBuilder MapReadModelEndpoints(this RouteGroupBuilder invoices)
    {
        invoices.MapGet("/{invoiceNumber}", GetInvoice)
            .Describe(EndpointTags.Invoices, "The invoice's totals", "The invoice-totals read model: total, currency and live transaction count.")
            .ReadModelProblems();
        invoices.MapGet("/{invoiceNumber}/transactions", GetTransactions)
            .Describe(EndpointTags.Invoices, "The invoice's transactions", "The invoice-transactions read model, in transaction-id order (`begins_with` on the id with `prefix`).")
            .ReadModelProblems();
        invoices.MapGet("/{invoiceNumber}/countries", GetCountries)
            .Describe(EndpointTags.Invoices, "The invoice's countries", "The country-counts read model: per country, the verifier and the transaction counts.")
            .ReadModelProblems();
        invoices.MapGet("/{invoiceNumber}/history", GetHistory)
            .Describe(EndpointTags.Invoices, "The invoice's history", "The invoice-history read model: the audit trail, one row per event with its actor.")
            .ReadModelProblems();
        return invoices;
    }

    private static RouteHandlerBuilder ReadModelProblems(this RouteHandlerBuilder query)
    {
        return query
            .Problem(StatusCodes.Status404NotFound, "The read side knows no such invoice (code `unknown-invoice`).")
            .Problem(StatusCodes.Status503ServiceUnavailable, "The read model has not applied `minVersion` within `waitMs` (code `not-caught-up`); retry shortly.");
    }

    private static async Task<Results<Ok<InvoiceTotalsResponse>, NotFound<ProblemDetails>, ProblemHttpResult, ValidationProblem>> GetInvoice(
        string invoiceNumber, long? minVersion, int? waitMs, ReadModelReader reader, CancellationToken ct)
    {
        if (Invalid(invoiceNumber, minVersion, waitMs) is { } invalid) return invalid;
        var queries = await reader.RowsAsync<InvoiceTotalsRow>(InvoiceTotalsProjection.ProjectionName, ct);
        InvoiceTotalsRow? row = null;
        if (!await reader.WaitAsync(InvoiceTotalsProjection.ProjectionName, invoiceNumber, minVersion, waitMs,
                async c => (row = await queries.GetAsync(invoiceNumber, cancellationToken: c))?.LastAppliedVersion ?? 0, ct))
        {
            return NotCaughtUp(InvoiceTotalsProjection.ProjectionName, invoiceNumber, minVersion!.Value, row?.LastAppliedVersion ?? 0);
        }

        row ??= await queries.GetAsync(invoiceNumber, cancellationToken: ct);
        return row is null
            ? UnknownInvoice(invoiceNumber)
            : TypedResults.Ok(new InvoiceTotalsResponse(row.InvoiceNumber, row.Total, row.Currency, row.TransactionCount, row.UpdatedAt, row.LastAppliedVersion));
    }

    private static async Task<Results<Ok<List<InvoiceTransactionResponse>>, NotFound<ProblemDetails>, ProblemHttpResult, ValidationProblem>> GetTransactions(
        string invoiceNumber, string? prefix, bool? includeVoided, long? minVersion, int? waitMs, ReadModelReader reader, CancellationToken ct)
    {
        if (Invalid(invoiceNumber, minVersion, waitMs) is { } invalid) return invalid;
        var queries = await reader.RowsAsync<InvoiceTransactionRow>(InvoiceTransactionsProjection.ProjectionName, ct);
        IReadOnlyList<InvoiceTransactionRow> rows = [];
        if (!await reader.WaitAsync(InvoiceTransactionsProjection.ProjectionName, invoiceNumber, minVersion, waitMs,
                async c => MaxVersion(await queries.ListAsync(invoiceNumber, null, c), r => r.LastAppliedVersion), ct))
        {
            return NotCaughtUp(InvoiceTransactionsProjection.ProjectionName, invoiceNumber, minVersion!.Value, null);
        }

        rows = [.. (await queries.ListAsync(invoiceNumber, prefix, ct)).Where(r => includeVoided == true || r.Status == TransactionStatus.Live)];
        if (rows.Count == 0 && !await reader.InvoiceKnownAsync(invoiceNumber, ct))
        {
            return UnknownInvoice(invoiceNumber);
        }

        return TypedResults.Ok(rows.Select(r => new InvoiceTransactionResponse(
            r.InvoiceNumber, r.TransactionId, r.Amount, r.Currency, r.Country, r.InvoiceDate,
            r.Status == TransactionStatus.Live ? "live" : "voided", r.VerifiedBy,
            r.Document is null ? null : JsonDocument.Parse(r.Document).RootElement.Clone(), r.UpdatedAt, r.LastAppliedVersion)).ToList());
    }

    private static Task<Results<Ok<List<CountryCountsResponse>>, NotFound<ProblemDetails>, ProblemHttpResult, ValidationProblem>> GetCountries(
        string invoiceNumber, long? minVersion, int? waitMs, ReadModelReader reader, CancellationToken ct) =>
        GetInvoiceRowsAsync<CountryCountsRow, CountryCountsResponse>(CountryCountsProjection.ProjectionName, invoiceNumber, minVersion, waitMs, reader,
            r => r.LastAppliedVersion,
            r => new CountryCountsResponse(r.InvoiceNumber, r.Country, r.Verifier, r.TransactionCount, r.VerifiedTransactionCount, r.LastAppliedVersion), ct);

    private static Task<Results<Ok<List<InvoiceHistoryResponse>>, NotFound<ProblemDetails>, ProblemHttpResult, ValidationProblem>> GetHistory(
        string invoiceNumber, long? minVersion, int? waitMs, ReadModelReader reader, CancellationToken ct) =>
        GetInvoiceRowsAsync<InvoiceHistoryRow, InvoiceHistoryResponse>(InvoiceHistoryProjection.ProjectionName, invoiceNumber, minVersion, waitMs, reader,
            r => r.Version,
            r => new InvoiceHistoryResponse(r.InvoiceNumber, r.Version, r.EventId, r.EventType, r.SchemaVersion,
                JsonDocument.Parse(r.Payload).RootElement.Clone(),
                new HistoryMetadataResponse(r.Metadata.CommandId, r.Metadata.CorrelationId, r.Metadata.CausationId, r.Metadata.Actor),
                r.RecordedAt), ct);

    /// <summary>
    /// All of an invoice's rows in a read model keyed by invoice (countries, history): first waited for until
    /// <paramref name="minVersion"/> is applied (the highest <paramref name="version"/> of the rows), 404 when there are none.
    /// </summary>
    private static async Task<Results<Ok<List<TResponse>>, NotFound<ProblemDetails>, ProblemHttpResult, ValidationProblem>> GetInvoiceRowsAsync<TRow, TResponse>(
        string readModel, string invoiceNumber, long? minVersion, int? waitMs, ReadModelReader reader,
        Func<TRow, long> version, Func<TRow, TResponse> toResponse, CancellationToken ct)
        where TRow : class
    {
        if (Invalid(invoiceNumber, minVersion, waitMs) is { } invalid) return invalid;
        var queries = await reader.RowsAsync<TRow>(readModel, ct);
        IReadOnlyList<TRow> rows = [];
        if (!await reader.WaitAsync(readModel, invoiceNumber, minVersion, waitMs,
                async c => MaxVersion(rows = await queries.ListAsync(invoiceNumber, cancellationToken: c), version), ct))
        {
            return NotCaughtUp(readModel, invoiceNumber, minVersion!.Value, MaxVersion(rows, version));
        }

        rows = await queries.ListAsync(invoiceNumber, cancellationToken: ct);
        return rows.Count == 0 ? UnknownInvoice(invoiceNumber) : TypedResults.Ok(rows.Select(toResponse).ToList());
    }

    private static long MaxVersion<T>(IReadOnlyList<T> rows, Func<T, long> version) => rows.Count == 0 ? 0 : rows.Max(version);

    private static ValidationProblem? Invalid(string invoiceNumber, long? minVersion, int? waitMs)
    {
        var errors = new Dictionary<string, string[]>();
        if (!InvoiceRules.IsValidInvoiceNumber(invoiceNumber)) errors["invoiceNumber"] = ["is not a valid invoice number"];
        ReadYourWritesParameters.Validate(minVersion, waitMs, errors);
        return errors.Count == 0 ? null : TypedResults.ValidationProblem(errors);
    }

    private static NotFound<ProblemDetails> UnknownInvoice(string invoiceNumber) => TypedResults.NotFound(new ProblemDetails
    {
        Status = StatusCodes.Status404NotFound,
        Title = "Unknown invoice",
        Detail = $"The read side knows no invoice '{invoiceNumber}'.",
        Extensions = { ["code"] = "unknown-invoice" },
    });

    private static ProblemHttpResult NotCaughtUp(string readModel, string invoiceNumber, long minVersion, long? applied) =>
        ReadYourWritesParameters.NotCaughtUp(readModel, invoiceNumber, minVersion, applied);
}

/// <summary>Resolves the live table of each read model (per request, so a rebuild's switch is seen at once) and waits for versions.</summary>
public sealed class ReadModelReader(IAmazonDynamoDB dynamoDb, IReadModelCatalog liveTables, ReadYourWrites readYourWrites)
{
    private readonly CoalescingReadModelCatalog _catalog = new(liveTables);

    /// <summary>The rows of a DynamoDB read model's live version.</summary>
    public async Task<DynamoDbRows<TRow>> RowsAsync<TRow>(string readModel, CancellationToken ct) where TRow : class =>
        new(dynamoDb, (await _catalog.LiveTableAsync(readModel, ct)).TableName);

    public async Task<bool> InvoiceKnownAsync(string invoiceNumber, CancellationToken ct) =>
        await (await RowsAsync<InvoiceTotalsRow>(InvoiceTotalsProjection.ProjectionName, ct)).GetAsync(invoiceNumber, cancellationToken: ct) is not null;

    /// <summary>
    /// Waits until the read model has applied <paramref name="minVersion"/> of the invoice (true), or the wait ran out
    /// (false). The read model's declaration tells which events change it (<see cref="IReadModel.Handles"/>).
    /// </summary>
    public async Task<bool> WaitAsync(string readModel, string invoiceNumber, long? minVersion, int? waitMs,
        Func<CancellationToken, Task<long>> appliedVersion, CancellationToken ct)
    {
        return minVersion is not { } min
            || await readYourWrites.WaitAsync(await _catalog.LiveTableAsync(readModel, ct), invoiceNumber, min, ReadModelCatalog.Named(readModel).Handles,
                appliedVersion, ReadYourWritesParameters.Wait(waitMs), ct);
    }
}
