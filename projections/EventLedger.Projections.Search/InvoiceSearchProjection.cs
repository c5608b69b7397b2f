using EventLedger.EventStore.Events;
using EventLedger.Projections.Contracts;
using System.Diagnostics;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventLedger.Projections.Search;

/// <summary>What one <see cref="InvoiceSearchProjection.ApplyBatchAsync"/> did.</summary>
/// <param name="DocumentsWritten">Documents the batch changed (each written only if newer than the stored one).</param>
/// <param name="CheckpointSaved">Whether the batch's position was committed with the documents.</param>
public sealed record InvoiceSearchApplyResult(int DocumentsWritten, bool CheckpointSaved);

/// <summary>
/// The <c>invoice-search</c> read model: one Marten document per transaction. A stream batch is one transaction on one
/// connection (<see cref="ApplyBatchAsync"/>): one query reads the stored revisions of the batch's documents (and the
/// document itself only where the batch has a newer event for it), the batch is folded in memory (events at or below a
/// document's revision are skipped), the documents that do not exist yet go in by binary COPY, the ones that do by one
/// set-based upsert guarded by the revision (<see cref="InvoiceSearchWrites"/>), and the checkpoint document is stored
/// through a Marten session enlisted in the same transaction; then COMMIT. A failure anywhere leaves all or nothing.
/// </summary>
public sealed partial class InvoiceSearchProjection : IBulkLoadProjection
{
    public const string ProjectionName = "invoice-search";
    public const int CurrentSchemaVersion = 1;

    private readonly InvoiceSearchStore _store;
    private readonly CommittedCheckpoints _committed;
    private readonly ILogger _logger;
    private readonly Lock _bulkGate = new();
    private Task? _bulkPrepared;

    /// <param name="committed">Shared with the version's <see cref="InvoiceSearchCheckpoints"/> (a shard's end is checked the same way).</param>
    public InvoiceSearchProjection(InvoiceSearchStore store, ILogger<InvoiceSearchProjection>? logger = null, CommittedCheckpoints? committed = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _committed = committed ?? new CommittedCheckpoints();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public string Name => ProjectionName;

    public int SchemaVersion => CurrentSchemaVersion;

    public InvoiceSearchStore Store => _store;

    /// <summary>Test hook: runs after the batch's documents and checkpoint are written, before COMMIT.</summary>
    internal Func<NpgsqlConnection, CancellationToken, Task>? BeforeCommit { get; set; }

    /// <summary>Test hook: runs before the COPY of a batch's new documents (to insert one from another writer: the race).</summary>
    internal Func<CancellationToken, Task>? BeforeCopy { get; set; }

    /// <summary>Benchmark hook: the time each step of a stream batch took (the benchmark prints where catch-up spends it).</summary>
    internal InvoiceSearchPhases? Phases { get; set; }

    /// <inheritdoc />
    /// <exception cref="InvoiceSearchStoreUnavailableException">PostgreSQL is unreachable or dropped the connection; retry the batch.</exception>
    public async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken) =>
        await ApplyBatchAsync(batch, cancellationToken);

    /// <summary><see cref="ApplyAsync"/>, reporting what was written.</summary>
    public Task<InvoiceSearchApplyResult> ApplyBatchAsync(ProjectionBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Events.Count == 0 && batch.Position is null)
        {
            return Task.FromResult(new InvoiceSearchApplyResult(0, CheckpointSaved: false));
        }

        return _store.ExecuteAsync("applying a batch", async ct =>
        {
            var changes = InvoiceSearchFold.Changes(batch.Events);
            var written = await CopyOrUpsertAsync(copyNew => ApplyOnceAsync(batch, changes, copyNew, ct), batch.Position?.ShardId);
            LogApplied(batch.Events.Count, written, batch.Position?.ShardId);
            return new InvoiceSearchApplyResult(written, batch.Position is not null);
        }, cancellationToken);
    }

    private async Task<int> ApplyOnceAsync(ProjectionBatch batch, IReadOnlyList<InvoiceSearchChange> changes, bool copyNew, CancellationToken ct)
    {
        var phases = Phases;
        var mark = Stopwatch.GetTimestamp();
        await using var connection = await _store.DataSource.OpenConnectionAsync(ct);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var checkpointId = batch.Position is { } at ? SearchCheckpoint.IdOf(at.Subscription, at.ShardId) : null;
            if (checkpointId is not null)
            {
                // A batch that carries its checkpoint commits without waiting for the WAL flush: if PostgreSQL loses it in a
                // crash, it loses the checkpoint with it, and the next batch of the shard finds that out here (CommittedCheckpoints).
                // A batch without one (a piece of a failing batch) commits durably: nothing would notice its loss.
                await _committed.VerifyAsync(_store, connection, transaction, checkpointId, commitAsynchronously: true, ct);
            }

            if (phases is not null) mark = phases.Lap("open, begin", mark);
            var written = await WriteAsync(connection, transaction, changes, copyNew, phases, ct);
            mark = Stopwatch.GetTimestamp();

            if (batch.Position is { } position)
            {
                // The session enlists in our transaction and does not commit it: the COMMIT below covers documents and checkpoint.
                await using var session = _store.Documents.LightweightSession(SessionOptions.ForTransaction(transaction));
                session.Store(InvoiceSearchCheckpoints.Of(position, TimeProvider.System.GetUtcNow()));
                await session.SaveChangesAsync(ct);
                if (phases is not null) mark = phases.Lap("checkpoint", mark);
            }

            if (BeforeCommit is { } hook)
            {
                await hook(connection, ct);
            }

            await transaction.CommitAsync(ct);
            if (checkpointId is not null) _committed.Committed(checkpointId, batch.Position!.SequenceNumber);
            phases?.Lap("commit", mark);
            return written;
        }
        catch (InvalidOperationException e) when (connection.FullState != System.Data.ConnectionState.Open)
        {
            // Npgsql reports a connection that broke under an open transaction (server stopped or restarted, backend
            // killed) as "Transaction is already completed" on the next command or on COMMIT.
            throw _store.ConnectionLost("applying a batch", e);
        }
    }

    /// <summary>
    /// The write path shared by stream batches and rebuild pages, inside the caller's transaction: read what is stored,
    /// fold, COPY the new documents (or, with <paramref name="copyNew"/> false, upsert them too), upsert the continued ones.
    /// Returns the documents written.
    /// </summary>
    /// <exception cref="CopyRaceException">A document found missing was inserted by another writer before the COPY.</exception>
    private async Task<int> WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<InvoiceSearchChange> changes, bool copyNew,
        InvoiceSearchPhases? phases, CancellationToken ct)
    {
        var mark = Stopwatch.GetTimestamp();
        var stored = await InvoiceSearchWrites.ReadStoredAsync(_store, connection, transaction, changes, ct);
        if (phases is not null) mark = phases.Lap("read stored revisions", mark);

        // Only what the batch has something newer for: a document at or past every event of its change is not folded,
        // not read and not written (a redelivery).
        var pending = changes.Where(c => !stored.Revisions.TryGetValue(c.Id, out var revision) || c.Events[^1].Version > revision).ToList();
        var documents = InvoiceSearchFold.Plan(pending, stored.Documents);
        var inserts = new List<InvoiceSearchDocument>(documents.Count);
        var updates = new List<InvoiceSearchDocument>();
        foreach (var document in documents)
        {
            (copyNew && !stored.Revisions.ContainsKey(document.Id) ? inserts : updates).Add(document);
        }

        if (phases is not null) mark = phases.Lap("fold", mark);
        try
        {
            if (BeforeCopy is { } hook && inserts.Count > 0) await hook(ct);
            await InvoiceSearchWrites.CopyAsync(_store, connection, inserts, ct);
        }
        catch (Exception e) when (InvoiceSearchWrites.IsUniqueViolation(e))
        {
            throw new CopyRaceException(e);
        }

        if (phases is not null) mark = phases.Lap("copy new documents", mark);
        await InvoiceSearchWrites.UpsertAsync(_store, connection, transaction, updates, ct);
        phases?.Lap("upsert existing documents", mark);
        return documents.Count;
    }

    /// <inheritdoc />
    public async ValueTask BulkLoadAsync(IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken) =>
        await LoadPageAsync(events, cancellationToken);

    /// <summary>
    /// The rebuild's bulk path for one page of a replay. The first page into an empty table drops the secondary indexes
    /// (<see cref="InvoiceSearchStore.DropSecondaryIndexesAsync"/>); they are built once, over the loaded rows, by the
    /// <see cref="InvoiceSearchStore.MigrateAsync"/> that opens the version's catch-up (or by <see cref="FinishBulkLoadAsync"/>).
    /// The page is folded onto the documents it continues (an invoice's events may span pages); in one transaction, its new
    /// documents go in by binary COPY straight into the table and the documents it continues by the guarded set-based
    /// upsert (<see cref="InvoiceSearchWrites"/>). During the bulk-load phase a page's invoices have no other writer (the
    /// engine feeds a segment's pages in order, an invoice lives in one segment, and the stream joins only afterwards);
    /// events the stored documents already have are skipped by the fold, so a page sent again writes nothing. Every row
    /// carries its stream version as its revision (<c>mt_version</c>), as the stream path writes it. Returns the documents
    /// written.
    /// </summary>
    public Task<int> LoadPageAsync(IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var changes = InvoiceSearchFold.Changes(events);
        if (changes.Count == 0)
        {
            return Task.FromResult(0);
        }

        return _store.ExecuteAsync("bulk loading a page", async ct =>
        {
            await PrepareBulkLoadAsync(ct);
            return await CopyOrUpsertAsync(copyNew => LoadOnceAsync(changes, copyNew, ct), shardId: null);
        }, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> with new documents by COPY; when another writer (a host taking the shard over, a
    /// rebuild's overlap) inserted one of them first, the attempt was rolled back and runs again with the guarded upsert
    /// for every document, which resolves the race.
    /// </summary>
    private async Task<int> CopyOrUpsertAsync(Func<bool, Task<int>> attempt, string? shardId)
    {
        try
        {
            return await attempt(true);
        }
        catch (CopyRaceException race)
        {
            LogCopyRace(shardId, race.InnerException!.Message);
            return await attempt(false);
        }
    }

    private async Task<int> LoadOnceAsync(IReadOnlyList<InvoiceSearchChange> changes, bool copyNew, CancellationToken ct)
    {
        await using var connection = await _store.DataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var written = await WriteAsync(connection, transaction, changes, copyNew, phases: null, ct);
        await transaction.CommitAsync(ct);
        return written;
    }

    /// <summary>
    /// Builds the indexes a bulk load left out and analyzes the table (what the next <see cref="InvoiceSearchStore.MigrateAsync"/>
    /// does anyway; for callers that load without the rebuild engine, such as the benchmark).
    /// </summary>
    public Task FinishBulkLoadAsync(CancellationToken cancellationToken = default) => _store.MigrateAsync(cancellationToken);

    /// <summary>Once per projection (the engine's segments load concurrently): the first page drops the indexes of an empty table.</summary>
    private async Task PrepareBulkLoadAsync(CancellationToken ct)
    {
        Task prepare;
        lock (_bulkGate)
        {
            prepare = _bulkPrepared ??= PrepareOnceAsync();
        }

        try
        {
            await prepare.WaitAsync(ct);
        }
        catch when (prepare.IsFaulted)
        {
            // A failed attempt (PostgreSQL away) is retried by the next page rather than remembered.
            lock (_bulkGate)
            {
                if (ReferenceEquals(_bulkPrepared, prepare)) _bulkPrepared = null;
            }

            throw;
        }
    }

    private async Task PrepareOnceAsync()
    {
        if (await _store.DropSecondaryIndexesAsync(CancellationToken.None)) LogIndexesDropped(_store.Schema);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Search: bulk load into {Schema} begins on an empty table; its secondary indexes are built after the load")]
    private partial void LogIndexesDropped(string schema);

    [LoggerMessage(Level = LogLevel.Information, Message = "Search: a document of a batch (shard {ShardId}; none for a rebuild page) was inserted by another writer while the batch ran ({Reason}); the batch is applied again with the guarded upsert alone")]
    private partial void LogCopyRace(string? shardId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Search: applied {Events} events, {Documents} documents written (shard {ShardId})")]
    private partial void LogApplied(int events, int documents, string? shardId);
}

/// <summary>The COPY of a batch's new documents met a row another writer inserted; the transaction is rolled back.</summary>
internal sealed class CopyRaceException(Exception inner) : Exception("A new search document was inserted by another writer during the batch.", inner);
