using EventLedger.EventStore.Events;
using EventLedger.Projections.Contracts;
using Marten;
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
/// connection: the batch's current documents are loaded, folded in memory (events at or below a document's version are
/// skipped), written in one set-based upsert (<see cref="InvoiceSearchWrites.UpsertAsync"/>: Marten's <c>TryUpdateRevision</c> for
/// the whole batch, doing nothing for a row whose stored revision — the stream version — is already at or above the new
/// one, so a racing or redelivering writer cannot go backwards), and the checkpoint document is stored through the Marten
/// session enlisted in the same transaction; then COMMIT. A failure anywhere leaves all or nothing.
/// </summary>
public sealed partial class InvoiceSearchProjection : IBulkLoadProjection
{
    public const string ProjectionName = "invoice-search";
    public const int CurrentSchemaVersion = 1;

    private static readonly IReadOnlyDictionary<string, InvoiceSearchDocument> NoDocuments = new Dictionary<string, InvoiceSearchDocument>();
    private readonly InvoiceSearchStore _store;
    private readonly ILogger _logger;
    private readonly Lock _bulkGate = new();
    private Task? _bulkPrepared;

    public InvoiceSearchProjection(InvoiceSearchStore store, ILogger<InvoiceSearchProjection>? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public string Name => ProjectionName;

    public int SchemaVersion => CurrentSchemaVersion;

    public InvoiceSearchStore Store => _store;

    /// <summary>Test hook: runs after the batch's documents and checkpoint are written, before COMMIT.</summary>
    internal Func<NpgsqlConnection, CancellationToken, Task>? BeforeCommit { get; set; }

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
            var phases = Phases;
            var mark = phases?.Start();
            var changes = InvoiceSearchFold.Changes(batch.Events);
            await using var connection = await _store.DataSource.OpenConnectionAsync(ct);
            IReadOnlyList<InvoiceSearchDocument> documents;
            try
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                phases?.Lap("changes, open, begin", ref mark);

                // The session enlists in our transaction and does not commit it: the COMMIT below covers documents and checkpoint.
                await using var session = _store.Documents.LightweightSession(SessionOptions.ForTransaction(transaction));
                var current = await LoadAsync(session, changes, ct);
                phases?.Lap("read stored documents", ref mark);
                documents = InvoiceSearchFold.Plan(changes, current);
                phases?.Lap("fold", ref mark);
                await InvoiceSearchWrites.UpsertAsync(_store, connection, transaction, documents, ct);
                phases?.Lap("write documents", ref mark);

                if (batch.Position is { } position)
                {
                    session.Store(InvoiceSearchCheckpoints.Of(position, TimeProvider.System.GetUtcNow()));
                }

                await session.SaveChangesAsync(ct);
                phases?.Lap("checkpoint", ref mark);
                if (BeforeCommit is { } hook)
                {
                    await hook(connection, ct);
                }

                await transaction.CommitAsync(ct);
                phases?.Lap("commit", ref mark);
            }
            catch (InvalidOperationException e) when (connection.FullState != System.Data.ConnectionState.Open)
            {
                // Npgsql reports a connection that broke under an open transaction (server stopped or restarted, backend
                // killed) as "Transaction is already completed" on the next command or on COMMIT.
                throw _store.ConnectionLost("applying a batch", e);
            }

            LogApplied(batch.Events.Count, documents.Count, batch.Position?.ShardId);
            return new InvoiceSearchApplyResult(documents.Count, batch.Position is not null);
        }, cancellationToken);
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
            IReadOnlyDictionary<string, InvoiceSearchDocument> current;
            await using (var session = _store.Documents.QuerySession())
            {
                current = await LoadAsync(session, changes, ct);
            }

            var documents = InvoiceSearchFold.Plan(changes, current);
            if (documents.Count > 0)
            {
                // New documents by COPY, the ones this page continues (an invoice split across pages) by the guarded
                // upsert; one transaction, so the page is all or nothing.
                await using var connection = await _store.DataSource.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await InvoiceSearchWrites.CopyAsync(_store, connection, [.. documents.Where(d => !current.ContainsKey(d.Id))], ct);
                await InvoiceSearchWrites.UpsertAsync(_store, connection, transaction, [.. documents.Where(d => current.ContainsKey(d.Id))], ct);
                await transaction.CommitAsync(ct);
            }

            return documents.Count;
        }, cancellationToken);
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

    private static async Task<IReadOnlyDictionary<string, InvoiceSearchDocument>> LoadAsync(
        IQuerySession session, IReadOnlyList<InvoiceSearchChange> changes, CancellationToken ct)
    {
        if (changes.Count == 0)
        {
            return NoDocuments;
        }

        var loaded = await session.LoadManyAsync<InvoiceSearchDocument>(ct, changes.Select(c => c.Id));
        return loaded.ToDictionary(d => d.Id, StringComparer.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Search: bulk load into {Schema} begins on an empty table; its secondary indexes are built after the load")]
    private partial void LogIndexesDropped(string schema);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Search: applied {Events} events, {Documents} documents written (shard {ShardId})")]
    private partial void LogApplied(int events, int documents, string? shardId);
}
