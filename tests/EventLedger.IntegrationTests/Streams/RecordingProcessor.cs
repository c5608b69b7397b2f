using EventLedger.Streams.Reader;
using Record = EventLedger.Streams.Client.Model.Record;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>A processor that records what it applied, with hooks to fail before or after applying.</summary>
internal sealed class RecordingProcessor : IStreamBatchProcessor
{
    private readonly Lock _gate = new();
    private readonly List<Applied> _applied = [];
    private readonly List<StreamBatch> _batches = [];

    public sealed record Applied(string ShardId, string Pk, int Sk, string SequenceNumber, int Attempt, bool DeadLetterRetry);

    /// <summary>Runs before anything is applied; throw to fail the batch with nothing applied.</summary>
    public Func<StreamBatch, CancellationToken, Task>? BeforeApply { get; set; }

    /// <summary>Runs after the batch was applied; throw (or hang) to fail it after its effects happened.</summary>
    public Func<StreamBatch, CancellationToken, Task>? AfterApply { get; set; }

    /// <summary>A batch holding a matching record fails before applying anything.</summary>
    public Func<(string Pk, int Sk), bool>? Poison { get; set; }

    public IReadOnlyList<Applied> AppliedRecords
    {
        get { lock (_gate) { return [.. _applied]; } }
    }

    public IReadOnlyList<StreamBatch> Batches
    {
        get { lock (_gate) { return [.. _batches]; } }
    }

    public int Count
    {
        get { lock (_gate) { return _applied.Count; } }
    }

    public IReadOnlySet<(string Pk, int Sk)> Keys
    {
        get { lock (_gate) { return _applied.Select(a => (a.Pk, a.Sk)).ToHashSet(); } }
    }

    public bool Has(string pk, int sk) => Keys.Contains((pk, sk));

    public async Task ProcessAsync(StreamBatch batch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _batches.Add(batch);
        }

        if (BeforeApply is { } before)
        {
            await before(batch, cancellationToken);
        }

        if (Poison is { } poison && batch.Records.Select(StreamTables.KeyOf).FirstOrDefault(k => poison(k)) is { Pk: not null } bad)
        {
            throw new InvalidOperationException($"Poison record {bad.Pk}#{bad.Sk}");
        }

        lock (_gate)
        {
            _applied.AddRange(batch.Records.Select(r =>
            {
                var (pk, sk) = StreamTables.KeyOf(r);
                return new Applied(batch.ShardId, pk, sk, r.Dynamodb.SequenceNumber, batch.Attempt, batch.IsDeadLetterRetry);
            }));
        }

        if (AfterApply is { } after)
        {
            await after(batch, cancellationToken);
        }
    }

    /// <summary>Asserts that, per key, versions were first applied in increasing order (redeliveries may repeat earlier ones).</summary>
    public void AssertOrderedPerKey()
    {
        foreach (var group in AppliedRecords.Where(a => !a.DeadLetterRetry).GroupBy(a => a.Pk))
        {
            var highest = 0;
            foreach (var applied in group)
            {
                Assert.True(applied.Sk > highest || applied.Sk <= highest && group.Count(a => a.Sk == applied.Sk) > 1,
                    $"Key {group.Key}: version {applied.Sk} applied after {highest} without being a redelivery. Sequence: {string.Join(",", group.Select(a => a.Sk))}");
                highest = Math.Max(highest, applied.Sk);
            }
        }
    }

    public static IEnumerable<(string Pk, int Sk)> Expected(IEnumerable<string> keys, int fromVersion, int toVersion) =>
        keys.SelectMany(k => Enumerable.Range(fromVersion, toVersion - fromVersion + 1).Select(v => (k, v)));
}
