using Amazon.DynamoDBv2;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceTransactions;

/// <summary>
/// Keeps invoice-transactions with batch calls: BatchGetItem (consistent, 100 keys a call) learns the current rows of
/// the transactions in the batch, the fold runs in memory, and BatchWriteItem (25 a call) puts only the rows that changed.
/// </summary>
/// <remarks>
/// <para>Why an unconditional batch put is safe here: (1) one writer per shard: the projection host applies a shard's
/// batches one after another and holds the shard's lease while it does, and all events of an invoice are in one shard
/// (the event store's partition key is the invoice), in version order (parents before children); (2) within a batch each
/// row is read once and written at most once; (3) the read is consistent and happens after the previous batch's writes
/// completed, so the fold starts from the row's latest state and the version guard drops anything already applied.</para>
/// <para>Where it is weaker than a conditional write: nothing in the put itself checks the version. If two writers ever
/// apply the same invoice at once (a host that lost its lease but still has a batch in flight, or two hosts configured
/// without leases), the slower one can overwrite a newer row with an older one, and later events then fold onto that older
/// state. A conditional write would reject it instead. The lease's expiry and the host's check of it before each batch
/// keep that window small; a rebuild repairs a table if it ever happens. invoice-totals and country-counts, whose rows
/// every event of an invoice touches, keep the conditional write.</para>
/// </remarks>
public sealed class InvoiceTransactionsProjection(IAmazonDynamoDB dynamoDb, string tableName, ProjectionWriteOptions? options = null)
    : DynamoDbProjection(dynamoDb, tableName, options)
{
    public const string ProjectionName = "invoice-transactions";
    public const int CurrentSchemaVersion = 1;

    public override string Name => ProjectionName;
    public override int SchemaVersion => CurrentSchemaVersion;

    public override async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        var changes = InvoiceTransactionsFold.Changes(batch.Events);
        if (changes.Count == 0)
        {
            return;
        }

        using var db = OpenClient();

        // Read and write chunk by chunk so that reads of one chunk overlap writes of another.
        await Task.WhenAll(changes.Chunk(BoundedDynamoDb.MaxBatchGetKeys).Select(chunk => ApplyChunkAsync(db, chunk, cancellationToken)));
    }

    private async Task ApplyChunkAsync(BoundedDynamoDb db, InvoiceTransactionChange[] changes, CancellationToken cancellationToken)
    {
        var items = await db.BatchGetAsync(TableName,
            [.. changes.Select(c => InvoiceTransactionsTable.Key(c.InvoiceNumber, c.TransactionId))], cancellationToken);
        var current = items.Select(InvoiceTransactionsTable.FromItem)
            .ToDictionary(r => (r.InvoiceNumber, r.TransactionId));

        var puts = new List<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>>();
        foreach (var change in changes)
        {
            var row = current.GetValueOrDefault((change.InvoiceNumber, change.TransactionId));
            var next = InvoiceTransactionsFold.Apply(row, change.Events);
            if (next is not null && !next.Equals(row))
            {
                puts.Add(InvoiceTransactionsTable.ToItem(next));
            }
        }

        if (puts.Count > 0)
        {
            await db.BatchPutAsync(TableName, puts, cancellationToken);
        }
    }
}
