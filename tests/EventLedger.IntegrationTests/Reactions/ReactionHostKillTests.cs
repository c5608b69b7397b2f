using System.Diagnostics;
using EventLedger.Domain.Invoices;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore;
using EventLedger.EventStore.Append;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.IntegrationTests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventLedger.IntegrationTests.Reactions;

/// <summary>
/// `eventledger serve --role host` as a child process with payment requests going to a webhook, killed with SIGKILL while it
/// delivers, then started again: a receiver that deduplicates on the webhook id sees exactly the events of the store,
/// none lost (what the killed host sent after its last checkpoint is sent again, with the same ids).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ReactionHostKillTests(StackFixture stack)
{
    [Fact]
    public async Task A_host_killed_mid_delivery_and_restarted_loses_no_message()
    {
        var prefix = StackFixture.NewPrefix("rxkill");
        var tables = new EventStoreTables(prefix);
        await EventStoreSchema.EnsureCreatedAsync(stack.DynamoDb, tables, default);
        var store = new InvoiceEventStore(stack.DynamoDb, tables, TimeProvider.System, NullLogger<InvoiceEventStore>.Instance);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(15);

        var expected = await AppendAsync(store, 0, 120);
        using (var first = StartHost(prefix, receiver))
        {
            await Probe.UntilAsync(() => receiver.AcceptedIds.Count >= 20, "the first host to deliver some payment requests", TimeSpan.FromSeconds(60));
            expected.UnionWith(await AppendAsync(store, 120, 60));
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        var beforeRestart = receiver.AcceptedIds.Count;
        Assert.True(beforeRestart < expected.Count, $"the host delivered everything ({beforeRestart}) before it was killed");
        using var second = StartHost(prefix, receiver);
        try
        {
            await Probe.UntilAsync(() => receiver.AcceptedIds.IsSupersetOf(expected), $"all {expected.Count} payment requests after the restart",
                TimeSpan.FromSeconds(90), () => $"{receiver.AcceptedIds.Count} distinct ids, {beforeRestart} before the restart");
            Assert.True(receiver.AcceptedIds.SetEquals(expected));
            Assert.Equal(0, receiver.BadSignatures);
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }
    }

    private static async Task<HashSet<string>> AppendAsync(InvoiceEventStore store, int from, int count)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = from; i < from + count; i++)
        {
            var loaded = await store.LoadAsync($"RXK-{i % 6}", $"t{i}", null, default);
            var events = InvoiceDecider.Decide(loaded.Context, new RecordTransaction($"RXK-{i % 6}", $"t{i}", i, "USD", "USA", new DateOnly(2031, 2, 1), null));
            var result = await store.AppendAsync(new AppendRequest(loaded.Context, events, EventMetadata.New(), null, null), default);
            ids.Add(result.EventId.ToString("D"));
        }

        return ids;
    }

    private Process StartHost(string prefix, WebhookReceiver receiver)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "eventledger.dll"), "serve", "--role", "host", "--port", "0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment[EmbeddedStackOptions.DynamoDbEndpointVariable] = stack.Stack.DynamoDbEndpoint;
        start.Environment[EmbeddedStackOptions.PostgresVariable] = stack.PostgresConnectionString;
        start.Environment["EVENTLEDGER_TABLE_PREFIX"] = prefix;
        start.Environment["Projections__LeaseDuration"] = "00:00:03";
        start.Environment["Projections__BatchSize"] = "20";
        start.Environment["Projections__CheckpointInterval"] = "00:00:02";
        start.Environment["Reactions__PaymentRequests__Sink"] = "webhook";
        start.Environment["Reactions__PaymentRequests__Url"] = receiver.Url.ToString();
        start.Environment["Reactions__PaymentRequests__Secret"] = receiver.Secret;
        start.Environment["Reactions__PaymentRequests__MaxConcurrency"] = "2";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
