using System.Collections.Concurrent;
using Amazon.DynamoDBv2;
using EventLedger.Archive.Configuration;
using EventLedger.Archive.Targets;
using EventLedger.Domain.Invoices;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections.Contracts;
using Microsoft.Extensions.Logging;

namespace EventLedger.Archive.Writing;

/// <summary>
/// The archive, declared as one more consumer of the event store's stream (<c>archive</c>): hosted like a read model (leases,
/// per-shard positions, retries, dead letters, lag, a row in <c>GET /projections</c>), but it buffers across batches and
/// commits its positions itself once an object is stored (<see cref="IBufferedConsumer"/>). It takes every event.
/// </summary>
internal sealed class ArchiveConsumer : IBufferedConsumer, IAsyncDisposable
{
    public const string ConsumerName = "archive";

    /// <summary>The archive's objects are its schema's business (<see cref="Format.ArchiveSchema.Version"/>), not a rebuild's: always 1.</summary>
    public const int Version = 1;

    private readonly ArchiveSettings _settings;
    private readonly IArchiveTarget _target;
    private readonly ArchiveCommitLog _log;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentDictionary<int, Lazy<Task<ArchiveWriter>>> _writers = new();
    private readonly ConcurrentBag<ArchiveWriter> _created = []; // the writers made so far, for the counts and disposal

    internal ArchiveConsumer(ArchiveSettings settings, IArchiveTarget target, ArchiveCommitLog log, TimeProvider time, ILoggerFactory loggers) =>
        (_settings, _target, _log, _time, _loggers) = (settings, target, log, time, loggers);

    /// <summary>The subscription the archive reads the stream as (<c>archive-v1</c>).</summary>
    public static string Subscription { get; } = ProjectionHostService.SubscriptionName(ConsumerName, Version);

    public string Name => ConsumerName;

    public int SchemaVersion => Version;

    public bool Handles(IInvoiceEvent e) => true;

    public async Task<BufferedConsumerVersion> OpenAsync(int version, CancellationToken cancellationToken)
    {
        // One writer per version for the process: the host may open a version again (a restart of its subscription), and the
        // buffers and the interval flush must not be duplicated.
        var writer = await _writers.GetOrAdd(version, _ => new Lazy<Task<ArchiveWriter>>(CreateAsync)).Value;
        return new BufferedConsumerVersion(writer, writer);
    }

    /// <summary>Stores every buffer now (tests, and an orderly hand-over); a no-op before the archive was opened.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var writer in _writers.Values.Where(w => w.IsValueCreated))
        {
            await (await writer.Value).FlushAsync(cancellationToken);
        }
    }

    /// <summary>Events delivered to this process's archive and not stored yet.</summary>
    public int BufferedEvents => _created.Sum(w => w.BufferedEvents);

    private async Task<ArchiveWriter> CreateAsync()
    {
        await _target.EnsureReadyAsync(CancellationToken.None);
        var writer = new ArchiveWriter(Name, SchemaVersion, _settings, _target, _log, _time, _loggers.CreateLogger<ArchiveWriter>());
        _created.Add(writer);
        return writer;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var writer in _created)
        {
            await writer.DisposeAsync();
        }
    }
}
