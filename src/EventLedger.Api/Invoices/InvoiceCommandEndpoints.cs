using EventLedger.Api.Http;
using EventLedger.Application.Invoices;
using EventLedger.Application.Invoices.AdjustTransaction;
using EventLedger.Application.Invoices.AssignVerifier;
using EventLedger.Application.Invoices.RecordTransaction;
using EventLedger.Application.Invoices.UnassignVerifier;
using EventLedger.Application.Invoices.VoidTransaction;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.EventStore.Append;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace EventLedger.Api.Invoices;

/// <summary>The write side over HTTP: five commands and the raw event stream of an invoice.</summary>
public static class InvoiceCommandEndpoints
{
    public static RouteGroupBuilder MapInvoiceCommandEndpoints(this RouteGroupBuilder invoices)
    {
        invoices.MapPost("/{invoiceNumber}/transactions", RecordTransaction);
        invoices.MapPut("/{invoiceNumber}/transactions/{transactionId}", AdjustTransaction);
        invoices.MapDelete("/{invoiceNumber}/transactions/{transactionId}", VoidTransaction);
        invoices.MapPut("/{invoiceNumber}/countries/{country}/verifier", AssignVerifier);
        invoices.MapDelete("/{invoiceNumber}/countries/{country}/verifier", UnassignVerifier);
        invoices.MapGet("/{invoiceNumber}/events", GetEvents);
        return invoices;
    }

    private static async Task<Results<Created<CommandResponse>, ValidationProblem>> RecordTransaction(
        string invoiceNumber, HttpRequest request, ISender sender, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var options = CommandHeaders.Read(request, errors);
        var body = await JsonBody.ReadAsync(new HttpRequestLike(request.Body), ct);
        var command = new RecordTransaction(
            invoiceNumber,
            body.RequiredString("transactionId"),
            body.RequiredDecimal("amount"),
            body.RequiredString("currency"),
            body.RequiredString("country"),
            body.RequiredDate("invoiceDate"),
            body.OptionalObject("document"),
            options);
        if (Invalid(errors, body, command) is { } invalid)
        {
            return invalid;
        }

        var result = await sender.Send(command, ct);
        return TypedResults.Created(
            $"/invoices/{Uri.EscapeDataString(invoiceNumber)}/transactions/{Uri.EscapeDataString(command.TransactionId)}",
            Respond(request, result));
    }

    private static async Task<Results<Ok<CommandResponse>, ValidationProblem>> AdjustTransaction(
        string invoiceNumber, string transactionId, HttpRequest request, ISender sender, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var options = CommandHeaders.Read(request, errors);
        var body = await JsonBody.ReadAsync(new HttpRequestLike(request.Body), ct);
        var command = new AdjustTransaction(invoiceNumber, transactionId, body.RequiredDecimal("amount"), body.OptionalString("reason"), options);
        if (Invalid(errors, body, command) is { } invalid)
        {
            return invalid;
        }

        return TypedResults.Ok(Respond(request, await sender.Send(command, ct)));
    }

    private static async Task<Results<Ok<CommandResponse>, ValidationProblem>> VoidTransaction(
        string invoiceNumber, string transactionId, string? reason, HttpRequest request, ISender sender, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var options = CommandHeaders.Read(request, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(ToDictionary(errors));
        }

        return TypedResults.Ok(Respond(request, await sender.Send(new VoidTransaction(invoiceNumber, transactionId, reason, options), ct)));
    }

    private static async Task<Results<Ok<CommandResponse>, ValidationProblem>> AssignVerifier(
        string invoiceNumber, string country, HttpRequest request, ISender sender, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var options = CommandHeaders.Read(request, errors);
        var body = await JsonBody.ReadAsync(new HttpRequestLike(request.Body), ct);
        var command = new AssignVerifier(invoiceNumber, country, body.RequiredString("verifier"), options);
        if (Invalid(errors, body, command) is { } invalid)
        {
            return invalid;
        }

        return TypedResults.Ok(Respond(request, await sender.Send(command, ct)));
    }

    private static async Task<Results<Ok<CommandResponse>, ValidationProblem>> UnassignVerifier(
        string invoiceNumber, string country, HttpRequest request, ISender sender, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var options = CommandHeaders.Read(request, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(ToDictionary(errors));
        }

        return TypedResults.Ok(Respond(request, await sender.Send(new UnassignVerifier(invoiceNumber, country, options), ct)));
    }

    private static async Task<Results<Ok<List<EventResponse>>, NotFound, ValidationProblem>> GetEvents(
        string invoiceNumber, long? fromVersion, InvoiceEventStore store, CancellationToken ct)
    {
        if (!InvoiceRules.IsValidInvoiceNumber(invoiceNumber))
        {
            return TypedResults.ValidationProblem(ToDictionary([new("invoiceNumber", "is not a valid invoice number")]));
        }

        var events = new List<EventResponse>();
        await foreach (var e in store.ReadStreamAsync(invoiceNumber, Math.Max(1, fromVersion ?? 1), ct))
        {
            events.Add(new EventResponse(e.StreamId, e.Version, e.EventId, e.EventType, e.SchemaVersion, e.Data,
                new EventMetadataResponse(e.Metadata.CommandId, e.Metadata.CorrelationId, e.Metadata.CausationId, e.Metadata.Actor),
                e.RecordedAt));
        }

        return events.Count == 0 && (fromVersion ?? 1) <= 1 ? TypedResults.NotFound() : TypedResults.Ok(events);
    }

    /// <summary>Header and body-shape errors, plus the rule errors of the fields that did parse, so one 400 names every field at fault.</summary>
    private static ValidationProblem? Invalid(List<FieldError> headerErrors, JsonBody body, IInvoiceCommandMessage command)
    {
        var all = headerErrors.Concat(body.Errors).ToList();
        if (all.Count == 0)
        {
            return null;
        }

        var reported = all.Select(e => e.Field).ToHashSet();
        all.AddRange(InvoiceRules.Check(command.InvoiceNumber, command.ToDomain()).Where(e => !reported.Contains(e.Field)));
        return all.Count > 0 ? TypedResults.ValidationProblem(ToDictionary(all), title: "The request is invalid", detail: "Nothing was written.") : null;
    }

    private static Dictionary<string, string[]> ToDictionary(IEnumerable<FieldError> errors) =>
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());

    private static CommandResponse Respond(HttpRequest request, AppendResult result)
    {
        request.HttpContext.Response.Headers.ETag = $"\"{result.Version}\"";
        if (result.Replayed)
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return new CommandResponse(result.InvoiceNumber, result.Version, result.EventId);
    }
}
