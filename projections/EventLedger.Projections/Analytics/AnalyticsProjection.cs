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
/// transaction: lock the batch's invoices, skip events at or below each invoice's applied version, write facts,
/// transaction states and applied versions as multi-row statements (one round trip), and — when the batch came from
/// the stream — the checkpoint in the same transaction. Redelivery is therefore a no-op, and a crash at any point leaves
/// either everything of the batch or nothing.
/// </summary>
public sealed partial class AnalyticsProjection : IProjection
{
    public const string ProjectionName = "analytics";
    public const int CurrentSchemaVersion = 1;

    private readonly AnalyticsStore _store;
    private readonly ILogger _logger;
    private readonly AnalyticsSql _sql;

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
            var applied = await LockInvoicesAsync(connection, transaction, batch.Events, ct);
            var changes = AnalyticsFold.Plan(batch.Events, applied);
            foreach (var gap in changes.Gaps)
            {
                LogGap(gap.InvoiceNumber, gap.Expected, gap.Received);
            }

            await using var writes = new NpgsqlBatch(connection, transaction);
            _sql.AddWrites(writes, changes);
            if (batch.Position is { } position)
            {
                writes.BatchCommands.Add(_sql.SaveCheckpoint(position));
            }

            if (writes.BatchCommands.Count > 0)
            {
                await writes.ExecuteNonQueryAsync(ct);
            }

            if (BeforeCommit is { } hook)
            {
                await hook(connection, ct);
            }

            await transaction.CommitAsync(ct);
            return new AnalyticsApplyResult(changes.AppliedEvents, changes.SkippedEvents, batch.Position is not null);
        }, cancellationToken);
    }

    /// <summary>
    /// Reads the applied version of the batch's invoices, locking their rows (in invoice order, to avoid deadlocks)
    /// so that two appliers of the same invoice — e.g. an old and a new lease owner — serialise instead of both
    /// deciding from the same version. Correctness does not depend on it: every write is version-guarded anyway.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, long>> LockInvoicesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<EventLedger.EventStore.Events.StoredEvent> events,
        CancellationToken cancellationToken)
    {
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        if (events.Count == 0)
        {
            return versions;
        }

        var invoices = events.Select(e => e.StreamId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        await using var command = new NpgsqlCommand(_sql.LockInvoices, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = invoices });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions[reader.GetString(0)] = reader.GetInt64(1);
        }

        return versions;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Analytics: invoice {InvoiceNumber} expected version {Expected} next but received {Received}; an event is missing upstream")]
    private partial void LogGap(string invoiceNumber, long expected, long received);
}
