using System.Text.Json;
using EventLedger.Api.Http;
using EventLedger.Domain.Invoices;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.CountryCounts;
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
        invoices.MapGet("/{invoiceNumber}", GetInvoice);
        invoices.MapGet("/{invoiceNumber}/transactions", GetTransactions);
        invoices.MapGet("/{invoiceNumber}/countries", GetCountries);
        invoices.MapGet("/{invoiceNumber}/history", GetHistory);
        return invoices;
    }

    private static async Task<Results<Ok<InvoiceTotalsResponse>, NotFound<ProblemDetails>, ProblemHttpResult, ValidationProblem>> GetInvoice(
        string invoiceNumber, long? minVersion, int? waitMs, ReadModelReader reader, CancellationToken ct)
    {
        if (Invalid(invoiceNumber, minVersion, waitMs) is { } invalid) return invalid;
        var queries = await reader.TotalsAsync(ct);
        InvoiceTotalsRow? row = null;
        if (!await reader.WaitAsync(InvoiceTotalsProjection.ProjectionName, invoiceNumber, minVersion, waitMs, _ => true,
                async c => (row = await queries.GetAsync(invoiceNumber, c))?.LastAppliedVersion ?? 0, ct))
        {
            return NotCaughtUp(InvoiceTotalsProjection.ProjectionName, invoiceNumber, minVersion!.Value, row?.LastAppliedVersion ?? 0);
        }

        row ??= await queries.GetAsync(invoiceNumber, ct);
        return row is null
            ? UnknownInvoice(invoiceNumber)
            : TypedResults.Ok(new InvoiceTotalsResponse(row.InvoiceNumber, row.Total, row.Currency, row.TransactionCount, row.UpdatedAt, row.LastAppliedVersion));
    }

    private static async Task<Results<Ok<List<InvoiceTransactionResponse>>, NotFound<ProblemDetails>, ProblemHttpResult, ValidationProblem>> GetTransactions(
        string invoiceNumber, string? prefix, bool? includeVoided, long? minVersion, int? waitMs, ReadModelReader reader, CancellationToken ct)
    {
        if (Invalid(invoiceNumber, minVersion, waitMs) is { } invalid) return invalid;
        var queries = await reader.TransactionsAsync(ct);
        IReadOnlyList<InvoiceTransactionRow> rows = [];
        if (!await reader.WaitAsync(InvoiceTransactionsProjection.ProjectionName, invoiceNumber, minVersion, waitMs,
                e => InvoiceDecider.TransactionIdOf(e) is not null,
                async c => MaxVersion(await queries.ListAsync(invoiceNumber, null, includeVoided: true, c), r => r.LastAppliedVersion), ct))
        {
            return NotCaughtUp(InvoiceTransactionsProjection.ProjectionName, invoiceNumber, minVersion!.Value, null);
        }

        rows = await queries.ListAsync(invoiceNumber, prefix, includeVoided ?? false, ct);
        if (rows.Count == 0 && !await reader.InvoiceKnownAsync(invoiceNumber, ct))
        {
            return UnknownInvoice(invoiceNumber);
        }

        return TypedResults.Ok(rows.Select(r => new InvoiceTransactionResponse(
            r.InvoiceNumber, r.TransactionId, r.Amount, r.Currency, r.Country, r.InvoiceDate,
            r.Status == TransactionStatus.Live ? "live" : "voided", r.VerifiedBy,
            r.Document is null ? null : JsonDocument.Parse(r.Document).RootElement.Clone(), r.UpdatedAt, r.LastAppliedVersion)).ToList());
    }

    private static async Task<Results<Ok<List<CountryCountsResponse>>, NotFound<ProblemDetails>, ProblemHttpResult, ValidationProblem>> GetCountries(
        string invoiceNumber, long? minVersion, int? waitMs, ReadModelReader reader, CancellationToken ct)
    {
        if (Invalid(invoiceNumber, minVersion, waitMs) is { } invalid) return invalid;
        var queries = await reader.CountriesAsync(ct);
        IReadOnlyList<CountryCountsRow> rows = [];
        if (!await reader.WaitAsync(CountryCountsProjection.ProjectionName, invoiceNumber, minVersion, waitMs, _ => true,
                async c => MaxVersion(rows = await queries.ListAsync(invoiceNumber, c), r => r.LastAppliedVersion), ct))
        {
            return NotCaughtUp(CountryCountsProjection.ProjectionName, invoiceNumber, minVersion!.Value, MaxVersion(rows, r => r.LastAppliedVersion));
        }

        rows = await queries.ListAsync(invoiceNumber, ct);
        return rows.Count == 0
            ? UnknownInvoice(invoiceNumber)
            : TypedResults.Ok(rows.Select(r => new CountryCountsResponse(r.InvoiceNumber, r.Country, r.Verifier, r.TransactionCount, r.VerifiedTransactionCount, r.LastAppliedVersion)).ToList());
    }

    private static async Task<Results<Ok<List<InvoiceHistoryResponse>>, NotFound<ProblemDetails>, ProblemHttpResult, ValidationProblem>> GetHistory(
        string invoiceNumber, long? minVersion, int? waitMs, ReadModelReader reader, CancellationToken ct)
    {
        if (Invalid(invoiceNumber, minVersion, waitMs) is { } invalid) return invalid;
        var queries = await reader.HistoryAsync(ct);
        IReadOnlyList<InvoiceHistoryRow> rows = [];
        if (!await reader.WaitAsync(InvoiceHistoryProjection.ProjectionName, invoiceNumber, minVersion, waitMs, _ => true,
                async c => MaxVersion(rows = await queries.ListAsync(invoiceNumber, c), r => r.Version), ct))
        {
            return NotCaughtUp(InvoiceHistoryProjection.ProjectionName, invoiceNumber, minVersion!.Value, MaxVersion(rows, r => r.Version));
        }

        rows = await queries.ListAsync(invoiceNumber, ct);
        return rows.Count == 0
            ? UnknownInvoice(invoiceNumber)
            : TypedResults.Ok(rows.Select(r => new InvoiceHistoryResponse(r.InvoiceNumber, r.Version, r.EventId, r.EventType, r.SchemaVersion,
                JsonDocument.Parse(r.Payload).RootElement.Clone(),
                new HistoryMetadataResponse(r.Metadata.CommandId, r.Metadata.CorrelationId, r.Metadata.CausationId, r.Metadata.Actor),
                r.RecordedAt)).ToList());
    }

    private static long MaxVersion<T>(IReadOnlyList<T> rows, Func<T, long> version) => rows.Count == 0 ? 0 : rows.Max(version);

    private static ValidationProblem? Invalid(string invoiceNumber, long? minVersion, int? waitMs)
    {
        var errors = new List<FieldError>();
        if (!InvoiceRules.IsValidInvoiceNumber(invoiceNumber)) errors.Add(new("invoiceNumber", "is not a valid invoice number"));
        if (minVersion is < 1) errors.Add(new("minVersion", "must be 1 or more"));
        if (waitMs is < 0 or > 30_000) errors.Add(new("waitMs", "must be 0-30000"));
        return errors.Count == 0 ? null : TypedResults.ValidationProblem(errors.ToDictionary(e => e.Field, e => new[] { e.Message }));
    }

    private static NotFound<ProblemDetails> UnknownInvoice(string invoiceNumber) => TypedResults.NotFound(new ProblemDetails
    {
        Status = StatusCodes.Status404NotFound,
        Title = "Unknown invoice",
        Detail = $"The read side knows no invoice '{invoiceNumber}'.",
        Extensions = { ["code"] = "unknown-invoice" },
    });

    private static ProblemHttpResult NotCaughtUp(string readModel, string invoiceNumber, long minVersion, long? applied) =>
        TypedResults.Problem(
            title: "Read model not caught up",
            detail: $"{readModel} has not applied version {minVersion} of invoice '{invoiceNumber}' in time" +
                (applied is { } a ? $" (it is at {a})" : "") + "; retry shortly.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            extensions: new Dictionary<string, object?> { ["code"] = "not-caught-up", ["readModel"] = readModel, ["minVersion"] = minVersion });
}

/// <summary>Resolves the live table of each read model (per request, so a rebuild's switch is seen at once) and waits for versions.</summary>
public sealed class ReadModelReader(IAmazonDynamoDB dynamoDb, IReadModelCatalog liveTables, ReadYourWrites readYourWrites)
{
    private readonly CoalescingReadModelCatalog _catalog = new(liveTables);

    public async Task<InvoiceTotalsQueries> TotalsAsync(CancellationToken ct) =>
        new(dynamoDb, (await _catalog.LiveTableAsync(InvoiceTotalsProjection.ProjectionName, ct)).TableName);

    public async Task<InvoiceTransactionsQueries> TransactionsAsync(CancellationToken ct) =>
        new(dynamoDb, (await _catalog.LiveTableAsync(InvoiceTransactionsProjection.ProjectionName, ct)).TableName);

    public async Task<CountryCountsQueries> CountriesAsync(CancellationToken ct) =>
        new(dynamoDb, (await _catalog.LiveTableAsync(CountryCountsProjection.ProjectionName, ct)).TableName);

    public async Task<InvoiceHistoryQueries> HistoryAsync(CancellationToken ct) =>
        new(dynamoDb, (await _catalog.LiveTableAsync(InvoiceHistoryProjection.ProjectionName, ct)).TableName);

    public async Task<bool> InvoiceKnownAsync(string invoiceNumber, CancellationToken ct) =>
        await (await TotalsAsync(ct)).GetAsync(invoiceNumber, ct) is not null;

    public async Task<bool> WaitAsync(string readModel, string invoiceNumber, long? minVersion, int? waitMs, Func<IInvoiceEvent, bool> projects,
        Func<CancellationToken, Task<long>> appliedVersion, CancellationToken ct)
    {
        return minVersion is not { } min
            || await readYourWrites.WaitAsync(await _catalog.LiveTableAsync(readModel, ct), invoiceNumber, min, projects, appliedVersion,
                waitMs is { } ms ? TimeSpan.FromMilliseconds(ms) : ReadYourWrites.DefaultWait, ct);
    }
}
