using System.Collections.Concurrent;
using Amazon.DynamoDBv2;
using EventLedger.EventStore.Tables;
using EventLedger.ProjectionHost.Hosting.Group;
using EventLedger.ProjectionHost.Processing;
using EventLedger.Projections.DynamoDb.Group;
using EventLedger.Projections.Contracts;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.DeadLetters;
using EventLedger.Streams.Leases;
using EventLedger.Streams.Metrics;
using EventLedger.Streams.Reader;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Hosting;

/// <summary>
/// The projection host. The live versions of the DynamoDB read models are fed together by one subscription, the group
/// (<see cref="LiveReadModelGroup"/>, ADR 0016): one lease per shard, one read per poll, one multi-table read and write per
/// batch, checkpoints kept per version. Every other version (a version being rebuilt, PostgreSQL read models) is its own
/// subscription with its own leases and checkpoints (ADR 0004), and leases only the shards whose group lease this host
/// holds, so each shard is read by one process (two while a lease moves). Several hosts may run at once; the lease table
/// splits the shards between them.
/// </summary>
public sealed partial class ProjectionHostService(
    IAmazonDynamoDB dynamoDb,
    IDynamoDbStreams streams,
    EventStoreTables eventStore,
    ProjectionHostOptions options,
    IReadModelCatalog catalog,
    IEnumerable<HostedReadModel> readModels,
    ILoggerFactory loggerFactory,
    AppliedVersionSignal? appliedSignal = null,
    ProjectionMetrics? metrics = null,
    StreamsMetrics? streamsMetrics = null) : IHostedService, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RunningSubscription> _running = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger<ProjectionHostService>();
    private readonly SemaphoreSlim _gate = new(1, 1);
    // The subscriptions of this host read the same shards; sharing their GetRecords pages reads and decodes each shard
    // once instead of once per read model (on DynamoDB Local, where one thread serves everything, that is most of the
    // catch-up cost). Each subscription still keeps its own position, leases and checkpoints.
    private readonly IDynamoDbStreams _reads = options.SharedPageRecords > 0
        ? new SharedStreamReads(streams, options.SharedPageRecords, options.SharedPageLifetime)
        : streams;
    private readonly string _ownerId = options.OwnerId ?? LeaseOwner.NewId();
    private DeadLetterStore? _deadLetters;
    private DynamoDbLeaseStore? _leases;
    private string? _streamArn;
    private LiveReadModelGroup? _group;
    private readonly HashSet<string> _groupable = new(StringComparer.Ordinal);

    public IReadOnlyList<HostedReadModel> ReadModels { get; } =
        [.. readModels.Where(r => options.ReadModels is null || options.ReadModels.Contains(r.Name))];

    public IDeadLetterStore DeadLetters => _deadLetters ?? throw new InvalidOperationException("The projection host has not started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _leases = new DynamoDbLeaseStore(dynamoDb, options.LeaseTable);
        _deadLetters = new DeadLetterStore(dynamoDb, options.DeadLetterTable, loggerFactory.CreateLogger<DeadLetterStore>());
        await Task.WhenAll(_leases.EnsureTableAsync(cancellationToken), _deadLetters.EnsureTableAsync(cancellationToken));
        _streamArn = await EventStoreSchema.GetStreamArnAsync(dynamoDb, eventStore, cancellationToken);
        var members = new List<GroupMemberFeed>();
        var own = new List<(string Name, int Version)>();
        foreach (var readModel in ReadModels)
        {
            var live = await catalog.LiveTableAsync(readModel.Name, cancellationToken);
            var hosted = await readModel.CreateAsync(live.Version, cancellationToken);
            if (options.GroupLiveReadModels && hosted.GroupMember is { } member)
            {
                _groupable.Add(readModel.Name);
                members.Add(NewMember(readModel.Name, live.Version, hosted, member));
            }
            else
            {
                own.Add((readModel.Name, live.Version));
            }
        }

        if (members.Count > 0)
        {
            await StartGroupAsync(members, cancellationToken);
        }

        foreach (var (name, version) in own)
        {
            await StartVersionAsync(name, version, cancellationToken);
        }

        LogStarted(_logger, ReadModels.Count, _ownerId);
    }

    /// <summary>
    /// Starts feeding one version of a read model from the stream (idempotent). Rebuilds use it for the version they build
    /// (its own subscription). With <paramref name="live"/> (the version followers see as live or retiring), a DynamoDB
    /// read model's version joins the group instead: its own subscription, if it ran here, is stopped first, and it joins
    /// once no host holds a lease of its own subscription any more (so two writers never fold the same rows); until then
    /// this returns without feeding it, and the follower asks again at its next interval.
    /// </summary>
    public async Task StartVersionAsync(string name, int version, CancellationToken cancellationToken, bool live = false)
    {
        var readModel = ReadModels.FirstOrDefault(r => r.Name == name)
            ?? throw new ArgumentException($"This host does not run read model '{name}'.", nameof(name));
        var subscriptionName = SubscriptionName(name, version);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_group?.Find(subscriptionName) is not null)
            {
                return;
            }

            if (live && _group is { } group && _groupable.Contains(name))
            {
                var candidate = await readModel.CreateAsync(version, cancellationToken);
                if (candidate.GroupMember is { } member)
                {
                    if (_running.TryRemove(subscriptionName, out var ownRunning))
                    {
                        await StopOwnAsync(ownRunning, cancellationToken);
                    }

                    if (!await OwnLeasesFreeAsync(subscriptionName, cancellationToken))
                    {
                        LogJoinWaits(_logger, subscriptionName);
                        return;
                    }

                    var feed = NewMember(name, version, candidate, member);
                    feed.DeadLetters = await _deadLetters!.CountAsync(subscriptionName, cancellationToken);
                    await group.AddAsync(feed);
                    feed.Published = appliedSignal?.AddPublisher(name, version, () => group.Subscription!.OwnsEveryOpenShard());
                    LogJoined(_logger, subscriptionName);
                    return;
                }
            }

            if (_running.ContainsKey(subscriptionName))
            {
                return;
            }

            var hosted = await readModel.CreateAsync(version, cancellationToken);
            var processor = new ProjectionBatchProcessor(hosted.Projection,
                appliedSignal is null ? null : events => appliedSignal.Publish(name, version, events), metrics);
            var subscription = new StreamSubscription(
                SubscriptionOptions(subscriptionName) with
                {
                    // A processor that commits its own checkpoint needs whole-shard prefixes: lanes carry no checkpoint.
                    ParallelizationFactor = hosted.Checkpoints is null ? options.ParallelizationFactor : 1,
                    // Read only the shards this host reads for the group, so a shard has one reading process (ADR 0016).
                    MayLease = _group is { } shardOwner ? shardOwner.Holds : null,
                },
                _reads,
                _leases!,
                hosted.Checkpoints ?? new DynamoDbCheckpointStore(dynamoDb, options.LeaseTable),
                _deadLetters!,
                processor,
                loggerFactory,
                metrics: streamsMetrics);
            await subscription.StartAsync(cancellationToken);
            _running[subscriptionName] = new RunningSubscription(name, version, subscription, processor, appliedSignal?.AddPublisher(name, version, subscription.OwnsEveryOpenShard));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops feeding one version (after a rebuild retired it). Its checkpoints stay for inspection.</summary>
    public async Task StopVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        var subscriptionName = SubscriptionName(name, version);
        if (_running.TryRemove(subscriptionName, out var running))
        {
            await StopOwnAsync(running, cancellationToken);
        }

        if (_group is { } group && group.Find(subscriptionName) is { } member)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                member.Published?.Dispose();
                await group.RemoveAsync(member);
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>The versions of <paramref name="name"/> this host feeds now (in the group or on their own).</summary>
    public IReadOnlySet<int> RunningVersions(string name) =>
        _running.Values.Where(r => r.Name == name).Select(r => r.Version)
            .Concat((_group?.Members ?? []).Where(m => m.Name == name).Select(m => m.Version))
            .ToHashSet();

    /// <summary>Whether the live versions of <paramref name="name"/> are fed by this host's group.</summary>
    public bool CanGroup(string name) => _group is not null && _groupable.Contains(name);

    /// <summary>The versions of <paramref name="name"/> the live group feeds on this host.</summary>
    public IReadOnlySet<int> GroupVersions(string name) =>
        (_group?.Members ?? []).Where(m => m.Name == name).Select(m => m.Version).ToHashSet();

    /// <summary>The group's own status (its leases and shards), or null when this host runs no DynamoDB read model in a group.</summary>
    public SubscriptionStatus? GroupStatus() => _group?.Subscription?.GetStatus();

    /// <summary>
    /// Status of every read-model version this host feeds. A group member shows the group's shards, state and lag under its
    /// own subscription name, with its own dead letters.
    /// </summary>
    public IReadOnlyList<RunningSubscriptionStatus> GetStatus()
    {
        var own = _running.Values.Select(r => new RunningSubscriptionStatus(r.Name, r.Version, r.Processor.Projection.SchemaVersion, r.Subscription.GetStatus()));
        var grouped = Enumerable.Empty<RunningSubscriptionStatus>();
        if (_group is { Subscription: { } subscription } group)
        {
            var status = subscription.GetStatus();
            grouped = group.Members.Select(m => new RunningSubscriptionStatus(m.Name, m.Version, m.RetryProcessor.Projection.SchemaVersion,
                status with { Name = m.Subscription, DeadLetterCount = m.DeadLetters }));
        }

        return [.. own.Concat(grouped).OrderBy(r => r.ReadModel, StringComparer.Ordinal).ThenBy(r => r.Version)];
    }

    /// <summary>The processor of a running read-model version (dead-letter retries run it).</summary>
    public ProjectionBatchProcessor? ProcessorOf(string subscriptionName) =>
        _running.TryGetValue(subscriptionName, out var r) ? r.Processor : _group?.Find(subscriptionName)?.RetryProcessor;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var running in _running.Values)
        {
            await running.Subscription.StopAsync(cancellationToken);
        }

        if (_group?.Subscription is { } group)
        {
            await group.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var running in _running.Values)
        {
            running.Published?.Dispose();
            await running.Subscription.DisposeAsync();
        }

        _running.Clear();
        if (_group is { } group)
        {
            foreach (var member in group.Members)
            {
                member.Published?.Dispose();
            }

            if (group.Subscription is { } subscription)
            {
                await subscription.DisposeAsync();
            }
        }

        _gate.Dispose();
    }

    private GroupMemberFeed NewMember(string name, int version, HostedProjection hosted, IDynamoDbGroupMember member)
    {
        var subscription = SubscriptionName(name, version);
        var retry = new ProjectionBatchProcessor(hosted.Projection, appliedSignal is null ? null : events => appliedSignal.Publish(name, version, events), metrics);
        _deadLetters!.RegisterProcessor(subscription, retry);
        return new GroupMemberFeed(name, version, subscription, member, retry);
    }

    private async Task StartGroupAsync(List<GroupMemberFeed> members, CancellationToken cancellationToken)
    {
        var group = new LiveReadModelGroup(members);
        foreach (var member in members)
        {
            member.DeadLetters = await _deadLetters!.CountAsync(member.Subscription, cancellationToken);
        }

        var processor = new GroupBatchProcessor(new DynamoDbReadModelGroup(dynamoDb), () => group.Members, _deadLetters!, appliedSignal, metrics,
            streamsMetrics ?? StreamsMetrics.Unhosted,
            TimeProvider.System, loggerFactory.CreateLogger<GroupBatchProcessor>());
        group.Subscription = new StreamSubscription(
            SubscriptionOptions(LiveReadModelGroup.SubscriptionName) with { ParallelizationFactor = options.ParallelizationFactor },
            _reads,
            _leases!,
            new GroupCheckpoints(new DynamoDbCheckpointStore(dynamoDb, options.LeaseTable), group.MemberSubscriptions),
            _deadLetters!,
            processor,
            loggerFactory,
            metrics: streamsMetrics);
        _group = group;
        await group.Subscription.StartAsync(cancellationToken);
        foreach (var member in members)
        {
            member.Published = appliedSignal?.AddPublisher(member.Name, member.Version, group.Subscription.OwnsEveryOpenShard);
        }
    }

    private StreamSubscriptionOptions SubscriptionOptions(string name) => new()
    {
        Name = name,
        StreamArn = _streamArn,
        OwnerId = _ownerId,
        BatchSize = options.BatchSize,
        MaximumBatchingWindow = options.MaximumBatchingWindow,
        AdaptiveBatchingWindow = options.AdaptiveBatchingWindow,
        LoadedBatchInterval = options.LoadedBatchInterval,
        MaximumRetryAttempts = options.MaximumRetryAttempts,
        MaximumRecordAge = options.MaximumRecordAge,
        BisectBatchOnFunctionError = options.BisectBatchOnFunctionError,
        PollInterval = options.PollInterval,
        CheckpointInterval = options.CheckpointInterval,
        ReadAhead = options.ReadAhead,
        LeaseDuration = options.LeaseDuration,
        CreateTablesIfMissing = false,
        IsTransientFailure = TransientFailures.IsTransient,
        RestartsFromStoredCheckpoint = TransientFailures.RestartsFromStoredCheckpoint,
    };

    private static async Task StopOwnAsync(RunningSubscription running, CancellationToken cancellationToken)
    {
        running.Published?.Dispose();
        await running.Subscription.StopAsync(cancellationToken);
        await running.Subscription.DisposeAsync();
    }

    /// <summary>
    /// Whether no host still reads <paramref name="subscription"/> on its own: each of its leases is unowned, finished, or past
    /// the expiry its owner wrote (a host that died holding it).
    /// </summary>
    private async Task<bool> OwnLeasesFreeAsync(string subscription, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        return (await _leases!.ListAsync(subscription, cancellationToken))
            .All(l => l.Owner is null || l.IsShardEnded || (l.ExpiresAt is { } expires && expires < now));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Subscription} joined the live read-model group")]
    private static partial void LogJoined(ILogger logger, string subscription);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Subscription} waits to join the live read-model group: a host still holds a lease of its own subscription")]
    private static partial void LogJoinWaits(ILogger logger, string subscription);

    public static string SubscriptionName(string readModel, int version) => $"{readModel}-v{version}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Projection host started {Count} read models as {Owner}")]
    private static partial void LogStarted(ILogger logger, int count, string owner);

    private sealed record RunningSubscription(string Name, int Version, StreamSubscription Subscription, ProjectionBatchProcessor Processor, IDisposable? Published);
}

/// <summary>One running read-model version as this host sees it.</summary>
public sealed record RunningSubscriptionStatus(string ReadModel, int Version, int SchemaVersion, SubscriptionStatus Subscription);
