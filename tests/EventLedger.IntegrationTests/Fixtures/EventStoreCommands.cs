using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.EventStore.Append;
using EventLedger.EventStore.Events;

namespace EventLedger.IntegrationTests.Fixtures;

/// <summary>Commands decided and appended straight through the event store, as the command path does, without an app.</summary>
public static class EventStoreCommands
{
    /// <summary>Decides <paramref name="command"/> on the invoice's current state and appends what it decided.</summary>
    public static async Task<AppendResult> DecideAndAppendAsync(this InvoiceEventStore store, InvoiceCommand command, string? actor = null) =>
        (await DecideAndAppendOneAsync(store, command, actor)).Result;

    /// <summary>
    /// Decides and appends <paramref name="commands"/> one after another, so that each invoice's events reach the stream in
    /// version order. Returns how many events were appended.
    /// </summary>
    public static async Task<int> DecideAndAppendAllAsync(this InvoiceEventStore store, IEnumerable<InvoiceCommand> commands, string? actor = null)
    {
        var appended = 0;
        foreach (var command in commands)
        {
            appended += (await DecideAndAppendOneAsync(store, command, actor)).Events;
        }

        return appended;
    }

    private static async Task<(AppendResult Result, int Events)> DecideAndAppendOneAsync(InvoiceEventStore store, InvoiceCommand command, string? actor)
    {
        var transaction = command switch
        {
            RecordTransaction r => r.TransactionId,
            AdjustTransaction a => a.TransactionId,
            VoidTransaction v => v.TransactionId,
            _ => null,
        };
        var loaded = await store.LoadAsync(command.InvoiceNumber, transaction, null, default);
        var events = InvoiceDecider.Decide(loaded.Context, command);
        var result = await store.AppendAsync(new AppendRequest(loaded.Context, events, EventMetadata.New(actor: actor), null, null), default);
        return (result, events.Count);
    }
}
