using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;

namespace EventLedger.Benchmarks.Infrastructure;

/// <summary>
/// Counts the DynamoDB and DynamoDB Streams calls a process makes, by operation, so a run can report calls per command; while
/// <see cref="StartTiming"/> is on, also how long each call took (request sent to response read, as the caller sees it).
/// </summary>
public sealed class OperationCounter
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _items = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<object, Sent> _sent = new();
    private ConcurrentDictionary<string, ConcurrentBag<double>>? _durations;

    /// <summary>Starts recording call durations by operation (the names <see cref="Snapshot"/> counts under).</summary>
    public void StartTiming() => _durations = new(StringComparer.Ordinal);

    /// <summary>Stops recording; returns the milliseconds of every call that completed since <see cref="StartTiming"/>, by operation.</summary>
    public IReadOnlyDictionary<string, double[]> StopTiming()
    {
        var durations = Interlocked.Exchange(ref _durations, null) ?? new(StringComparer.Ordinal);
        return durations.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>
    /// Counts every request the client sends (attempts, including SDK retries) until disposed, so a scenario can count one
    /// part of its run and leave the rest (a baseline's hundreds of thousands of calls) without the counting's work.
    /// </summary>
    public IDisposable Attach(IAmazonDynamoDB client)
    {
        if (client is not AmazonServiceClient service)
        {
            return new Detach(null);
        }

        RequestEventHandler before = (_, e) =>
        {
            if (e is WebServiceRequestEventArgs { Request: { } request })
            {
                Counted(request);
            }
        };
        ResponseEventHandler after = (_, e) =>
        {
            if (e is WebServiceResponseEventArgs { Request: { } request } && _sent.TryGetValue(request, out var sent))
            {
                Timed(sent.Operation, Stopwatch.GetElapsedTime(sent.At).TotalMilliseconds);
            }
        };
        service.BeforeRequestEvent += before;
        service.AfterResponseEvent += after;
        return new Detach(() =>
        {
            service.BeforeRequestEvent -= before;
            service.AfterResponseEvent -= after;
        });
    }

    private void Counted(AmazonWebServiceRequest request)
    {
        var operation = request.GetType().Name.Replace("Request", "", StringComparison.Ordinal);
        var tables = request switch
        {
            Amazon.DynamoDBv2.Model.GetItemRequest g => [g.TableName],
            Amazon.DynamoDBv2.Model.QueryRequest q => [q.TableName],
            Amazon.DynamoDBv2.Model.UpdateItemRequest u => [u.TableName],
            // The command path reads the decision state with one BatchGetItem; the projection host reads read-model rows.
            Amazon.DynamoDBv2.Model.BatchGetItemRequest b => b.RequestItems.Keys.Order(StringComparer.Ordinal).ToArray(),
            _ => Array.Empty<string>(),
        };
        // Each table without its per-run prefix ("lat123456-invoice-totals-v1" → "invoice-totals-v1").
        var name = tables.Length == 0 ? operation : $"{operation}({string.Join('+', tables.Select(t => t[(t.IndexOf('-', StringComparison.Ordinal) + 1)..]))})";
        Add(name);
        (string? Kind, int Count) items = request switch
        {
            Amazon.DynamoDBv2.Model.BatchWriteItemRequest b => ("BatchWriteItem items", b.RequestItems.Values.Sum(r => r.Count)),
            Amazon.DynamoDBv2.Model.BatchGetItemRequest b => ("BatchGetItem keys", b.RequestItems.Values.Sum(r => r.Keys.Count)),
            _ => (null, 0),
        };
        if (items.Kind is { } kind)
        {
            _items.AddOrUpdate(kind, items.Count, (_, n) => n + items.Count);
        }

        if (_durations is not null)
        {
            _sent.AddOrUpdate(request, new Sent(name, Stopwatch.GetTimestamp()));
        }
    }

    private sealed class Detach(Action? detach) : IDisposable
    {
        public void Dispose() => detach?.Invoke();
    }

    /// <summary>A timed request: its operation name and when its (latest) attempt was sent.</summary>
    private sealed record Sent(string Operation, long At);

    private void Timed(string operation, double milliseconds) =>
        _durations?.GetOrAdd(operation, _ => []).Add(milliseconds);

    public IDynamoDbStreams Wrap(IDynamoDbStreams inner) => new CountingStreams(inner, this);

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.Ordinal);

    /// <summary>Items sent in BatchWriteItem and keys in BatchGetItem so far (attempts included: re-sent unprocessed ones count again).</summary>
    public IReadOnlyDictionary<string, long> ItemsSnapshot() => new Dictionary<string, long>(_items, StringComparer.Ordinal);

    /// <summary>"op a/command, op b/command …" for the calls made between two snapshots.</summary>
    public static string PerUnit(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after, int units) =>
        units == 0 ? "" : string.Join(", ", after
            .Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(x => x.Count > 0)
            .OrderByDescending(x => x.Count)
            .Select(x => $"{x.Key} {x.Count / (double)units:0.##}"));

    /// <summary>
    /// Calls per unit made by the projection host alone: everything but the command path (<c>TransactWriteItems</c> and its
    /// decision-state <c>BatchGetItem</c> on the event store's tables) and the API's reads of a read model (<c>GetItem</c>).
    /// </summary>
    public static (double Total, string Detail) HostPerUnit(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after, int units)
    {
        var host = after
            .Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(x => x.Count > 0 && !IsCommandPathOrApiRead(x.Key))
            .ToDictionary(x => x.Key, x => x.Count, StringComparer.Ordinal);
        return units == 0 ? (0, "") : (host.Values.Sum() / (double)units, PerUnit(new Dictionary<string, long>(), host, units));
    }

    private static bool IsCommandPathOrApiRead(string operation) =>
        operation.StartsWith("TransactWriteItems", StringComparison.Ordinal)
        || operation is "BatchGetItem(invoice-state)" or "BatchGetItem(commands+invoice-state)"
        || (operation.StartsWith("GetItem(", StringComparison.Ordinal) && !operation.StartsWith("GetItem(read-model-versions", StringComparison.Ordinal) && !operation.Contains("lease", StringComparison.Ordinal));

    private void Add(string operation) => _counts.AddOrUpdate(operation, 1, (_, n) => n + 1);

    private sealed class CountingStreams(IDynamoDbStreams inner, OperationCounter counter) : IDynamoDbStreams
    {
        public Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken = default) =>
            inner.ListStreamsAsync(request, cancellationToken);

        public Task<DescribeStreamResponse> DescribeStreamAsync(DescribeStreamRequest request, CancellationToken cancellationToken = default)
        {
            counter.Add("Streams.DescribeStream");
            return inner.DescribeStreamAsync(request, cancellationToken);
        }

        public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default)
        {
            counter.Add("Streams.GetShardIterator");
            return inner.GetShardIteratorAsync(request, cancellationToken);
        }

        public async Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await inner.GetRecordsAsync(request, cancellationToken);
            var name = response.Records.Count == 0 ? "Streams.GetRecords(empty)" : "Streams.GetRecords";
            counter.Add(name);
            counter.Timed(name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }

        public void Dispose() => inner.Dispose();
    }
}
