using EventLedger.Api.Http;
using EventLedger.Api.OpenApi;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
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
        invoices.MapPost("/{invoiceNumber}/transactions", RecordTransaction)
            .Describe(EndpointTags.Commands, "Record a transaction", "Adds a transaction to the invoice (the first one creates it); `Location` names the transaction.")
            .Accepts<RecordTransactionBody>("application/json")
            .Problem(StatusCodes.Status409Conflict, "The transaction id is taken (code `transaction-exists`), the currency is not the invoice's (`currency-mismatch`), or a concurrent write won (`concurrency-conflict`).")
            .CommandProblems();
        invoices.MapPut("/{invoiceNumber}/transactions/{transactionId}", AdjustTransaction)
            .Describe(EndpointTags.Commands, "Adjust a transaction's amount")
            .Accepts<AdjustTransactionBody>("application/json")
            .Problem(StatusCodes.Status404NotFound, "No such transaction on this invoice (code `unknown-transaction`).")
            .Problem(StatusCodes.Status409Conflict, "The transaction is voided (code `transaction-voided`), or a concurrent write won (`concurrency-conflict`).")
            .CommandProblems();
        invoices.MapDelete("/{invoiceNumber}/transactions/{transactionId}", VoidTransaction)
            .Describe(EndpointTags.Commands, "Void a transaction", "It stays in the history and in `GET /invoices/{invoiceNumber}/transactions?includeVoided=true`.")
            .Problem(StatusCodes.Status404NotFound, "No such transaction on this invoice (code `unknown-transaction`).")
            .Problem(StatusCodes.Status409Conflict, "The transaction is already voided (code `transaction-voided`), or a concurrent write won (`concurrency-conflict`).")
            .CommandProblems();
        invoices.MapPut("/{invoiceNumber}/countries/{country}/verifier", AssignVerifier)
            .Describe(EndpointTags.Commands, "Assign the verifier of a country's transactions")
            .Accepts<AssignVerifierBody>("application/json")
            .Problem(StatusCodes.Status409Conflict, "This verifier is already assigned (code `verifier-already-assigned`), or a concurrent write won (`concurrency-conflict`).")
            .CommandProblems();
        invoices.MapDelete("/{invoiceNumber}/countries/{country}/verifier", UnassignVerifier)
            .Describe(EndpointTags.Commands, "Unassign the verifier of a country's transactions")
            .Problem(StatusCodes.Status404NotFound, "The country has no verifier on this invoice (code `no-verifier`).")
            .Problem(StatusCodes.Status409Conflict, "A concurrent write won (code `concurrency-conflict`).")
            .CommandProblems();
        invoices.MapGet("/{invoiceNumber}/events", GetEvents)
            .Describe(EndpointTags.Invoices, "The invoice's raw events, in version order", "Read from the event store, not a read model: always current.")
            .Problem(StatusCodes.Status404NotFound, "The invoice has no events.");
        return invoices;
    }

    /// <summary>What every command may answer besides its own conflicts: the headers, 412 and 422, and an item over DynamoDB's limit.</summary>
    private static RouteHandlerBuilder CommandProblems(this RouteHandlerBuilder command)
    {
        return command.WithCommandHeaders()
            .Problem(StatusCodes.Status412PreconditionFailed, "`If-Match` names another version than the invoice's (code `version-mismatch`).")
            .Problem(StatusCodes.Status413PayloadTooLarge, "The events would make an item over DynamoDB's 400 KB limit, or the body is over the server's limit.")
            .Problem(StatusCodes.Status422UnprocessableEntity, "The `Idempotency-Key` was used for a different request (code `idempotency-key-reused`).");
    }

    // Each endpoint copies the route, the body and the headers into one command and sends it. A field or header that
    // could not be read goes along as an input error: the validation behavior reports it with the rule errors of the
    // fields that were read (one 400 naming every field at fault), and the command is never decided.

    private static async Task<Created<CommandResponse>> RecordTransaction(string invoiceNumber, HttpRequest request, ISender sender, CancellationToken ct)
    {
        var input = await CommandInput.ReadAsync(request, withBody: true, ct);
        var body = input.Body;
        var command = input.Complete(new RecordTransaction(
            invoiceNumber,
            body.RequiredString("transactionId"),
            body.RequiredDecimal("amount"),
            body.RequiredString("currency"),
            body.RequiredString("country"),
            body.RequiredDate("invoiceDate"),
            body.OptionalObject("document")));
        var result = await sender.Send(command, ct);
        return TypedResults.Created(
            $"/invoices/{Uri.EscapeDataString(invoiceNumber)}/transactions/{Uri.EscapeDataString(command.TransactionId)}",
            Respond(request, result));
    }

    private static async Task<Ok<CommandResponse>> AdjustTransaction(
        string invoiceNumber, string transactionId, HttpRequest request, ISender sender, CancellationToken ct)
    {
        var input = await CommandInput.ReadAsync(request, withBody: true, ct);
        var command = input.Complete(new AdjustTransaction(invoiceNumber, transactionId, input.Body.RequiredDecimal("amount"), input.Body.OptionalString("reason")));
        return TypedResults.Ok(Respond(request, await sender.Send(command, ct)));
    }

    private static async Task<Ok<CommandResponse>> VoidTransaction(
        string invoiceNumber, string transactionId, string? reason, HttpRequest request, ISender sender, CancellationToken ct)
    {
        var input = await CommandInput.ReadAsync(request, withBody: false, ct);
        return TypedResults.Ok(Respond(request, await sender.Send(input.Complete(new VoidTransaction(invoiceNumber, transactionId, reason)), ct)));
    }

    private static async Task<Ok<CommandResponse>> AssignVerifier(string invoiceNumber, string country, HttpRequest request, ISender sender, CancellationToken ct)
    {
        var input = await CommandInput.ReadAsync(request, withBody: true, ct);
        var command = input.Complete(new AssignVerifier(invoiceNumber, country, input.Body.RequiredString("verifier")));
        return TypedResults.Ok(Respond(request, await sender.Send(command, ct)));
    }

    private static async Task<Ok<CommandResponse>> UnassignVerifier(string invoiceNumber, string country, HttpRequest request, ISender sender, CancellationToken ct)
    {
        var input = await CommandInput.ReadAsync(request, withBody: false, ct);
        return TypedResults.Ok(Respond(request, await sender.Send(input.Complete(new UnassignVerifier(invoiceNumber, country)), ct)));
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
