using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Streams.Leases;

namespace EventLedger.Streams.Checkpoints;

/// <summary>
/// Checkpoints kept in the lease item (as the Kinesis Client Library does): attribute <c>checkpoint</c> of
/// (<c>subscription</c>, <c>shardId</c>) in the lease table. Reads are strongly consistent.
/// </summary>
public sealed class DynamoDbCheckpointStore(IAmazonDynamoDB dynamoDb, string leaseTableName, TimeProvider? timeProvider = null) : ICheckpointStore
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public async Task<string?> GetAsync(string subscription, string shardId, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = leaseTableName,
            Key = LeaseTableSchema.Key(subscription, shardId),
            ConsistentRead = true,
            ProjectionExpression = "#c",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#c"] = LeaseTableSchema.Checkpoint },
        }, cancellationToken);
        return response.Item is { } item && item.TryGetValue(LeaseTableSchema.Checkpoint, out var value) ? value.S : null;
    }

    public Task SaveAsync(string subscription, string shardId, string sequenceNumber, CancellationToken cancellationToken) =>
        WriteAsync(subscription, shardId, sequenceNumber, cancellationToken);

    public Task MarkShardEndAsync(string subscription, string shardId, CancellationToken cancellationToken) =>
        WriteAsync(subscription, shardId, Checkpoint.ShardEnd, cancellationToken);

    private Task WriteAsync(string subscription, string shardId, string checkpoint, CancellationToken cancellationToken) =>
        dynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = leaseTableName,
            Key = LeaseTableSchema.Key(subscription, shardId),
            UpdateExpression = "SET #c = :c, #t = :t",
            ExpressionAttributeNames = new Dictionary<string, string>
            {
                ["#c"] = LeaseTableSchema.Checkpoint,
                ["#t"] = LeaseTableSchema.CheckpointedAt,
            },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":c"] = new() { S = checkpoint },
                [":t"] = new() { S = _time.GetUtcNow().ToString("O") },
            },
        }, cancellationToken);
}
