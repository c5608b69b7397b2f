using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;

namespace EventLedger.Projections.DynamoDb;

/// <summary>
/// Keeps one version's table of a <see cref="DynamoDbReadModel{TRow}"/>: per batch, one consistent BatchGetItem of the
/// rows the batch touches (100 keys a call), the version-guarded fold in memory, and one BatchWriteItem of the rows that
/// changed (25 a call); chunks of 100 rows run concurrently, bounded by <see cref="BoundedDynamoDb"/>. Rows that never
/// change (<c>RowsNeverChange</c>) are put without a read.
/// </summary>
/// <remarks>
/// The put is unconditional, which is safe with one writer per invoice at a time: the host applies a shard's batches one
/// after another while it holds the shard's lease, every event of an invoice is in one shard, and the read is consistent
/// and follows the previous batch's writes. A host that lost its lease mid-batch could still overwrite a row with an
/// older one until its next lease check; the next batch of the new owner re-reads and the version guard then makes the
/// redelivered events apply again, so the row converges.
/// </remarks>
internal sealed class DynamoDbReadModelProjection<TRow>(
    DynamoDbReadModel<TRow> readModel, IAmazonDynamoDB dynamoDb, string tableName, ProjectionWriteOptions? options) : IProjection
    where TRow : class
{
    private readonly ProjectionWriteOptions _options = (options ?? ProjectionWriteOptions.Default).Validated();

    public string Name => readModel.Name;

    public int SchemaVersion => readModel.SchemaVersion;

    public string TableName => tableName;

    public async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        var changes = readModel.Changes(batch.Events);
        if (changes.Count == 0)
        {
            return;
        }

        using var db = new BoundedDynamoDb(dynamoDb, _options);
        var rows = readModel.Rows;
        await Task.WhenAll(changes.Chunk(BoundedDynamoDb.MaxBatchGetKeys).Select(async chunk =>
        {
            var current = new Dictionary<RowKey, TRow>(chunk.Length);
            if (!((IDynamoDbReadModel)readModel).RowsNeverChange)
            {
                foreach (var item in await db.BatchGetAsync(tableName, [.. chunk.Select(c => rows.Key(c.Key))], cancellationToken))
                {
                    var row = rows.FromItem(item);
                    current[rows.KeyOf(row)] = row;
                }
            }

            var puts = new List<Dictionary<string, AttributeValue>>(chunk.Length);
            foreach (var (key, events) in chunk)
            {
                var before = current.GetValueOrDefault(key);
                var after = events.Aggregate(before, readModel.Apply);
                if (after is not null && !after.Equals(before))
                {
                    var item = rows.ToItem(after);
                    if (_options.TimeToLive is { } ttl && ttl.ExpiresAt(item) is { } expiresAt)
                    {
                        if (expiresAt <= DateTimeOffset.UtcNow.ToUnixTimeSeconds())
                        {
                            continue; // expired already (a replay of old history): DynamoDB would only delete it again
                        }

                        item[ttl.Attribute] = new AttributeValue { N = expiresAt.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                    }

                    puts.Add(item);
                }
            }

            if (puts.Count > 0)
            {
                await db.BatchPutAsync(tableName, puts, cancellationToken);
            }
        }));
    }
}
