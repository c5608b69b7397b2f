using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.IntegrationTests.Fixtures;

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
        var store = await stack.EventStoreAsync(prefix);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(15);

        var expected = await AppendAsync(store, 0, 120);
        await using (var first = StartHost(prefix, receiver))
        {
            await Probe.UntilAsync(() => receiver.AcceptedIds.Count >= 20, "the first host to deliver some payment requests", TimeSpan.FromSeconds(60));
            expected.UnionWith(await AppendAsync(store, 120, 60));
            await first.KillAsync();
        }

        var beforeRestart = receiver.AcceptedIds.Count;
        Assert.True(beforeRestart < expected.Count, $"the host delivered everything ({beforeRestart}) before it was killed");
        await using (StartHost(prefix, receiver))
        {
            await Probe.UntilAsync(() => receiver.AcceptedIds.IsSupersetOf(expected), $"all {expected.Count} payment requests after the restart",
                TimeSpan.FromSeconds(90), () => $"{receiver.AcceptedIds.Count} distinct ids, {beforeRestart} before the restart");
            Assert.True(receiver.AcceptedIds.SetEquals(expected));
            Assert.Equal(0, receiver.BadSignatures);
        }
    }

    private static async Task<HashSet<string>> AppendAsync(InvoiceEventStore store, int from, int count)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = from; i < from + count; i++)
        {
            var result = await store.DecideAndAppendAsync(new RecordTransaction($"RXK-{i % 6}", $"t{i}", i, "USD", "USA", new DateOnly(2031, 2, 1), null));
            ids.Add(result.EventId.ToString("D"));
        }

        return ids;
    }

    private HostProcess StartHost(string prefix, WebhookReceiver receiver) => HostProcess.Start(stack, prefix, new Dictionary<string, string>
    {
        ["Projections__CheckpointInterval"] = "00:00:02",
        ["Reactions__PaymentRequests__Sink"] = "webhook",
        ["Reactions__PaymentRequests__Url"] = receiver.Url.ToString(),
        ["Reactions__PaymentRequests__Secret"] = receiver.Secret,
        ["Reactions__PaymentRequests__MaxConcurrency"] = "2",
    });
}
