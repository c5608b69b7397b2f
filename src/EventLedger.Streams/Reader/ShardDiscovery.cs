using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;

namespace EventLedger.Streams.Reader;

/// <summary>Finds the stream (ListStreams by table when no ARN is configured) and lists all its shards (DescribeStream, page by page).</summary>
internal sealed class ShardDiscovery(IDynamoDbStreams streams)
{
    public sealed record Result(IReadOnlyList<Shard> Shards, IReadOnlyList<Amazon.DynamoDBv2.Model.KeySchemaElement> KeySchema);

    public async Task<string> ResolveStreamArnAsync(string? streamArn, string? tableName, CancellationToken cancellationToken)
    {
        if (streamArn is not null)
        {
            return streamArn;
        }

        var found = new List<Client.Model.Stream>();
        string? start = null;
        do
        {
            var page = await streams.ListStreamsAsync(new ListStreamsRequest { TableName = tableName, ExclusiveStartStreamArn = start }, cancellationToken);
            found.AddRange(page.Streams);
            start = page.LastEvaluatedStreamArn;
        }
        while (start is not null);

        // Stream labels are creation timestamps: the greatest is the table's current stream.
        return found
            .Where(s => s.TableName is null || s.TableName == tableName)
            .OrderByDescending(s => s.StreamLabel, StringComparer.Ordinal)
            .Select(s => s.StreamArn)
            .FirstOrDefault()
            ?? throw new InvalidOperationException($"Table {tableName} has no stream: enable DynamoDB Streams on it.");
    }

    public async Task<Result> ListShardsAsync(string streamArn, CancellationToken cancellationToken)
    {
        var shards = new List<Shard>();
        var keySchema = new List<Amazon.DynamoDBv2.Model.KeySchemaElement>();
        string? start = null;
        do
        {
            var page = await streams.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = streamArn, ExclusiveStartShardId = start }, cancellationToken);
            var description = page.StreamDescription;
            shards.AddRange(description.Shards);
            if (keySchema.Count == 0)
            {
                keySchema.AddRange(description.KeySchema);
            }

            start = description.LastEvaluatedShardId;
        }
        while (start is not null);

        return new Result(shards, keySchema);
    }
}
