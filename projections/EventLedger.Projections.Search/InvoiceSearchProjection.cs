using EventLedger.EventStore.Events;
using EventLedger.Projections.Contracts;
using Marten;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Weasel.Core;

namespace EventLedger.Projections.Search;

/// <summary>What one <see cref="InvoiceSearchProjection.ApplyBatchAsync"/> did.</summary>
/// <param name="DocumentsWritten">Documents the batch changed (each written only if newer than the stored one).</param>
/// <param name="CheckpointSaved">Whether the batch's position was committed with the documents.</param>
public sealed record InvoiceSearchApplyResult(int DocumentsWritten, bool CheckpointSaved);

/// <summary>
/// The <c>invoice-search</c> read model: one Marten document per transaction. A stream batch is one transaction on one
/// connection: the batch's current documents are loaded, folded in memory (events at or below a document's version are
/// skipped), written with Marten's <c>TryUpdateRevision</c> (an upsert that does nothing when the stored revision — the
/// stream version — is already at or above the new one, so a racing or redelivering writer cannot go backwards), and the
/// checkpoint document is stored in the same unit of work; then COMMIT. A failure anywhere leaves all or nothing.
/// </summary>
public sealed partial class InvoiceSearchProjection : IBulkLoadProjection
{
    public const string ProjectionName = "invoice-search";
    public const int CurrentSchemaVersion = 1;

    private static readonly IReadOnlyDictionary<string, InvoiceSearchDocument> NoDocuments = new Dictionary<string, InvoiceSearchDocument>();
    private readonly InvoiceSearchStore _store;
    private readonly ILogger _logger;

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
            await using var connection = await _store.DataSource.OpenConnectionAsync(ct);
            IReadOnlyList<InvoiceSearchDocument> documents;
            try
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);

                // The session enlists in our transaction and does not commit it: the COMMIT below covers documents and checkpoint.
                await using var session = _store.Documents.LightweightSession(SessionOptions.ForTransaction(transaction));
                var current = await LoadAsync(session, changes, ct);
                documents = InvoiceSearchFold.Plan(changes, current);
                foreach (var document in documents)
                {
                    session.TryUpdateRevision(document, document.LastAppliedVersion);
                }

                if (batch.Position is { } position)
                {
                    session.Store(InvoiceSearchCheckpoints.Of(position, TimeProvider.System.GetUtcNow()));
                }

                await session.SaveChangesAsync(ct);
                if (BeforeCommit is { } hook)
                {
                    await hook(connection, ct);
                }

                await transaction.CommitAsync(ct);
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
    /// The rebuild's bulk path for one page of a replay. The page is folded onto the documents it continues (an invoice's
    /// events may span pages), and the changed documents go in with Marten's bulk insert (binary COPY, one transaction,
    /// overwriting). During the bulk-load phase a page's invoices have no other writer (the engine feeds a segment's pages
    /// in order, an invoice lives in one segment, and the stream joins only afterwards), so overwriting cannot lose a newer
    /// document; events the stored documents already have are skipped by the fold, so a page sent again writes nothing.
    /// Marten's bulk insert sets the revision (<c>mt_version</c>) to 1, not to the stream version; the document's own
    /// <see cref="InvoiceSearchDocument.LastAppliedVersion"/> stays authoritative, the fold of the catch-up that follows
    /// skips every event at or below it, and its first write sets the revision. (Correcting the revision here would write
    /// every row and every index entry a second time.) Returns the documents written.
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
            IReadOnlyDictionary<string, InvoiceSearchDocument> current;
            await using (var session = _store.Documents.QuerySession())
            {
                current = await LoadAsync(session, changes, ct);
            }

            var documents = InvoiceSearchFold.Plan(changes, current);
            if (documents.Count > 0)
            {
                await _store.Documents.BulkInsertAsync(documents, BulkInsertMode.OverwriteExisting, batchSize: 1000, ct);
            }

            return documents.Count;
        }, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Search: applied {Events} events, {Documents} documents written (shard {ShardId})")]
    private partial void LogApplied(int events, int documents, string? shardId);
}
