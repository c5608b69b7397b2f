using EventLedger.EventStore.Events;
using EventLedger.Projections.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventLedger.Projections.Analytics;

/// <summary>What one <see cref="AnalyticsProjection.ApplyBatchAsync"/> did.</summary>
/// <param name="AppliedEvents">Events newer than their invoice's applied version.</param>
/// <param name="SkippedEvents">Redelivered or older events: no effect.</param>
/// <param name="CheckpointSaved">Whether the batch's position was committed with the rows.</param>
public sealed record AnalyticsApplyResult(int AppliedEvents, int SkippedEvents, bool CheckpointSaved);

/// <summary>
/// The <c>analytics</c> read model: facts and current transactions in PostgreSQL. A batch is applied in one
/// transaction and two round trips (the writes, then COMMIT): facts, transaction states and applied versions go in as
/// one multi-row statement per table, each guarded by stream version so that events at or below an invoice's applied
/// version change nothing, and — when the batch came from the stream — the checkpoint is written in the same
/// transaction. Redelivery is therefore a no-op, and a failure at any point leaves all of the batch or none of it.
/// </summary>
public sealed partial class AnalyticsProjection : IBulkLoadProjection
{
    public const string ProjectionName = "analytics";
    public const int CurrentSchemaVersion = 1;

    private readonly AnalyticsStore _store;
    private readonly ILogger _logger;
    private readonly AnalyticsSql _sql;
    private static readonly IReadOnlyDictionary<string, long> NothingApplied = new Dictionary<string, long>();

    public AnalyticsProjection(AnalyticsStore store, ILogger<AnalyticsProjection>? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _sql = new AnalyticsSql(store.Schema);
    }

    public string Name => ProjectionName;

    public int SchemaVersion => CurrentSchemaVersion;

    public AnalyticsStore Store => _store;

    /// <summary>Test hook: runs after the batch's rows and checkpoint are written, before COMMIT.</summary>
    internal Func<NpgsqlConnection, CancellationToken, Task>? BeforeCommit { get; set; }

    /// <inheritdoc />
    /// <exception cref="AnalyticsStoreUnavailableException">PostgreSQL is unreachable or dropped the connection; back off and retry the batch.</exception>
    /// <exception cref="AnalyticsStoreConfigurationException">Settings or schema are wrong; retrying does not help.</exception>
    public async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken) =>
        await ApplyBatchAsync(batch, cancellationToken);

    /// <summary><see cref="ApplyAsync"/>, reporting what was applied.</summary>
    public Task<AnalyticsApplyResult> ApplyBatchAsync(ProjectionBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Events.Count == 0 && batch.Position is null)
        {
            return Task.FromResult(new AnalyticsApplyResult(0, 0, CheckpointSaved: false));
        }

        return _store.ExecuteAsync("applying a batch", async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);

            // One round trip for the whole batch, then COMMIT. The rows are folded before the applied versions are
            // known: every write is guarded on its own (facts insert-once per (invoice, version), transactions and
            // invoices only move to a higher version), so events already applied change nothing even when sent again.
            // The first statement reads the applied versions as they were, to report and log (not for correctness).
            var changes = AnalyticsFold.Plan(batch.Events, NothingApplied);
            await using var writes = new NpgsqlBatch(connection, transaction);
            var invoices = batch.Events.Select(e => e.StreamId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            if (invoices.Length > 0)
            {
                writes.BatchCommands.Add(new NpgsqlBatchCommand(_sql.ReadAppliedVersions) { Parameters = { new() { Value = invoices } } });
            }

            _sql.AddWrites(writes, changes);
            if (batch.Position is { } position)
            {
                writes.BatchCommands.Add(_sql.SaveCheckpoint(position));
            }

            var applied = new Dictionary<string, long>(StringComparer.Ordinal);
            await using (var reader = await writes.ExecuteReaderAsync(ct))
            {
                if (invoices.Length > 0)
                {
                    while (await reader.ReadAsync(ct))
                    {
                        applied[reader.GetString(0)] = reader.GetInt64(1);
                    }
                }

                while (await reader.NextResultAsync(ct))
                {
                    // drain the writes so that their errors surface here, before COMMIT
                }
            }

            if (BeforeCommit is { } hook)
            {
                await hook(connection, ct);
            }

            await transaction.CommitAsync(ct);

            var outcome = applied.Count == 0 ? changes : AnalyticsFold.Plan(batch.Events, applied);
            foreach (var gap in outcome.Gaps)
            {
                LogGap(gap.InvoiceNumber, gap.Expected, gap.Received);
            }

            return new AnalyticsApplyResult(outcome.AppliedEvents, outcome.SkippedEvents, batch.Position is not null);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask BulkLoadAsync(IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken) =>
        await LoadPageAsync(events, cancellationToken);

    /// <summary>
    /// The rebuild's bulk path for one page of a replay: the page is folded in memory, its rows go into staging tables
    /// with binary COPY and from there into the read model with the same guards as <see cref="ApplyBatchAsync"/>, all in
    /// one transaction. A page that was applied before (a resumed rebuild) changes nothing. Returns the events folded.
    /// </summary>
    public Task<int> LoadPageAsync(IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return Task.FromResult(0);
        }

        return _store.ExecuteAsync("bulk loading a page", async (connection, ct) =>
        {
            var changes = AnalyticsFold.Plan(events, NothingApplied);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var create = new NpgsqlCommand(_sql.CreateStagingTables, connection, transaction))
            {
                await create.ExecuteNonQueryAsync(ct);
            }

            await AnalyticsCopyWriter.CopyFactsAsync(connection, "stage_facts", changes.Facts, ct);
            await AnalyticsCopyWriter.CopyTransactionsAsync(connection, "stage_transactions", changes.Transactions, ct);
            await AnalyticsCopyWriter.CopyInvoicesAsync(connection, "stage_invoices", changes.Invoices, ct);
            await using (var merge = new NpgsqlCommand(_sql.MergeStagingTables, connection, transaction))
            {
                await merge.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            return events.Count;
        }, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Analytics: invoice {InvoiceNumber} expected version {Expected} next but received {Received}; an event is missing upstream")]
    private partial void LogGap(string invoiceNumber, long expected, long received);
}
