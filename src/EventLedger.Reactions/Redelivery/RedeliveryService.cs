using System.Collections.Concurrent;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore;
using EventLedger.EventStore.Events;
using EventLedger.Reactions.Delivery;
using EventLedger.Reactions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventLedger.Reactions.Redelivery;

/// <summary>A redelivery cannot start; the message says why (the API answers 409).</summary>
public sealed class RedeliveryConflictException(string message) : Exception(message);

/// <summary>
/// Replays a reaction's messages from the event store (which keeps everything, unlike the stream's 24 hours), in the
/// background of the server, with progress. The messages are the same as the first time (same ids, same bodies), so
/// consumers that deduplicate on the id see nothing new; the others get them again, which is the point. Per invoice they
/// go in version order, one in flight at a time, sharing the invoice locks with the live delivery.
/// </summary>
public sealed partial class RedeliveryService(
    ReactionRegistry registry,
    InvoiceEventStore eventStore,
    IAmazonDynamoDB dynamoDb,
    TimeProvider time,
    ILogger<RedeliveryService> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RedeliveryRun> _runs = new(StringComparer.Ordinal);

    /// <summary>Starts a redelivery.</summary>
    /// <exception cref="KeyNotFoundException">No such reaction.</exception>
    /// <exception cref="RedeliveryConflictException">The reaction is off or disabled, or a redelivery of it runs.</exception>
    public async Task<RedeliveryRun> StartAsync(string reaction, RedeliveryFrom from, CancellationToken ct)
    {
        var configured = registry.Find(reaction) ?? throw new KeyNotFoundException($"No reaction is named '{reaction}'.");
        if (!configured.IsOn)
        {
            throw new RedeliveryConflictException($"Reaction '{reaction}' is off: it has no sink to redeliver to (set Reactions:{configured.Section}:Sink).");
        }

        var runtime = registry.Runtime(reaction);
        if ((await runtime.Gate.CurrentAsync(ct)).Disabled)
        {
            throw new RedeliveryConflictException($"Reaction '{reaction}' is disabled ({runtime.Gate.Known.Reason}); enable it first (POST /reactions/{reaction}/enable).");
        }

        if (_runs.Values.FirstOrDefault(r => r.Reaction == reaction && r.State == RedeliveryStates.Running) is { } running)
        {
            throw new RedeliveryConflictException($"Redelivery {running.Id} of '{reaction}' is still running; watch or cancel it first.");
        }

        var run = new RedeliveryRun(Guid.NewGuid().ToString("N")[..12], reaction, from, time.GetUtcNow());
        _runs[run.Id] = run;
        LogStarted(logger, reaction, run.Id, from.ToString());
        run.Task = Task.Run(() => RunAsync(runtime, run), CancellationToken.None);
        return run;
    }

    public RedeliveryRun? Get(string reaction, string id) =>
        _runs.TryGetValue(id, out var run) && run.Reaction == reaction ? run : null;

    /// <summary>The reaction's redeliveries in this server, latest first.</summary>
    public IReadOnlyList<RedeliveryRun> List(string reaction) =>
        [.. _runs.Values.Where(r => r.Reaction == reaction).OrderByDescending(r => r.StartedAt)];

    public async Task<bool> CancelAsync(string reaction, string id)
    {
        if (Get(reaction, id) is not { State: RedeliveryStates.Running } run)
        {
            return false;
        }

        await run.Cancellation.CancelAsync();
        await run.Task;
        return true;
    }

    private async Task RunAsync(ReactionRuntime runtime, RedeliveryRun run)
    {
        var ct = run.Cancellation.Token;
        try
        {
            if (run.From.InvoiceNumber is { } invoice)
            {
                run.SetTotal(await CountAsync(invoice, run.From.Version, ct));
                var events = new List<StoredEvent>();
                await foreach (var e in eventStore.ReadStreamAsync(invoice, run.From.Version, ct))
                {
                    events.Add(e);
                    if (events.Count == 1000)
                    {
                        await DeliverPageAsync(runtime, run, events, ct);
                        events.Clear();
                    }
                }

                await DeliverPageAsync(runtime, run, events, ct);
            }
            else
            {
                var from = run.From.Time!.Value;
                run.SetTotal((await dynamoDb.DescribeTableAsync(eventStore.Tables.Events, ct)).Table.ItemCount ?? 0);

                // Each invoice lives in one scan segment and a segment's pages arrive in order; pages are delivered one after
                // another, so each invoice's messages keep their order.
                await foreach (var page in eventStore.ScanAllAsync(ct: ct))
                {
                    var recent = page.Where(e => e.RecordedAt >= from).ToList();
                    run.Read(page.Count - recent.Count);
                    await DeliverPageAsync(runtime, run, recent, ct);
                }
            }

            run.State = run.MessagesFailed == 0 ? RedeliveryStates.Completed : RedeliveryStates.Failed;
            run.Error ??= run.MessagesFailed == 0 ? null : $"{run.MessagesFailed} messages could not be delivered.";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            run.State = RedeliveryStates.Cancelled;
        }
        catch (Exception ex)
        {
            run.State = RedeliveryStates.Failed;
            run.Error = ex.Message;
            LogFailed(logger, ex, run.Reaction, run.Id);
        }

        run.FinishedAt = time.GetUtcNow();
        LogFinished(logger, run.Reaction, run.Id, run.State, run.EventsRead, run.MessagesDelivered, run.MessagesFailed);
    }

    private static async Task DeliverPageAsync(ReactionRuntime runtime, RedeliveryRun run, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        var messages = runtime.Configured.Declaration.MessagesOf(events);
        var report = await runtime.Deliverer.DeliverAsync(messages, DeliveryMode.Redelivery, ct, _ => run.Delivered());
        if (report.Failures.Count > 0)
        {
            run.Failed(report.Failures.Count);
            var first = report.Failures[0];
            run.Error = $"invoice {first.Message.InvoiceNumber} version {first.Message.InvoiceVersion.ToString(CultureInfo.InvariantCulture)}: {first.Detail}";
        }

        run.Read(events.Count);
    }

    private async Task<long> CountAsync(string invoice, long fromVersion, CancellationToken ct)
    {
        long count = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await dynamoDb.QueryAsync(new QueryRequest
            {
                TableName = eventStore.Tables.Events,
                KeyConditionExpression = "StreamId = :s AND Version >= :v",
                ExpressionAttributeValues = new()
                {
                    [":s"] = new AttributeValue { S = invoice },
                    [":v"] = new AttributeValue { N = fromVersion.ToString(CultureInfo.InvariantCulture) },
                },
                Select = Select.COUNT,
                ExclusiveStartKey = start,
            }, ct);
            count += response.Count ?? 0;
            start = response.LastEvaluatedKey is { Count: > 0 } k ? k : null;
        }
        while (start is not null);
        return count;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var run in _runs.Values.Where(r => r.State == RedeliveryStates.Running))
        {
            await run.Cancellation.CancelAsync();
            await run.Task;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Redelivery {Id} of {Reaction} from {From} started")]
    private static partial void LogStarted(ILogger logger, string reaction, string id, string from);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redelivery {Id} of {Reaction} {State}: {Events} events read, {Delivered} messages delivered, {Failed} failed")]
    private static partial void LogFinished(ILogger logger, string reaction, string id, string state, long events, long delivered, long failed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Redelivery {Id} of {Reaction} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string reaction, string id);
}
