using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Tables;
using EventLedger.Streams.Reader;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventLedger.Streams.DeadLetters;

/// <summary>The dead-letter store in a DynamoDB table (see <see cref="DeadLetterTableSchema"/> for the layout).</summary>
public sealed class DeadLetterStore(IAmazonDynamoDB dynamoDb, string tableName, ILogger<DeadLetterStore>? logger = null, TimeProvider? timeProvider = null)
    : IDeadLetterStore
{
    private readonly ILogger _logger = logger ?? NullLogger<DeadLetterStore>.Instance;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, IStreamBatchProcessor> _processors = new(StringComparer.Ordinal);

    public string TableName => tableName;

    public Task EnsureTableAsync(CancellationToken cancellationToken) =>
        DynamoTables.EnsureAsync(dynamoDb, tableName, DeadLetterTableSchema.Subscription, DeadLetterTableSchema.EntryId, cancellationToken);

    public Task ParkAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(deadLetters, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, ParkOneAsync);

    private async ValueTask ParkOneAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        var (recordName, recordValue) = DeadLetterTableSchema.RecordAttribute(deadLetter.Record);
        var otherRecordName = recordName == DeadLetterTableSchema.Record ? DeadLetterTableSchema.RecordGz : DeadLetterTableSchema.Record;
        var names = new Dictionary<string, string>
        {
            ["#shard"] = DeadLetterTableSchema.ShardId,
            ["#seq"] = DeadLetterTableSchema.SequenceNumber,
            ["#reason"] = DeadLetterTableSchema.Reason,
            ["#etype"] = DeadLetterTableSchema.ErrorType,
            ["#emsg"] = DeadLetterTableSchema.ErrorMessage,
            ["#att"] = DeadLetterTableSchema.Attempts,
            ["#first"] = DeadLetterTableSchema.FirstFailureAt,
            ["#last"] = DeadLetterTableSchema.LastFailureAt,
            ["#rec"] = recordName,
            ["#other"] = otherRecordName,
        };
        var values = new Dictionary<string, AttributeValue>
        {
            [":shard"] = new() { S = deadLetter.ShardId },
            [":seq"] = new() { S = deadLetter.SequenceNumber },
            [":reason"] = new() { S = deadLetter.Reason },
            [":etype"] = new() { S = deadLetter.ErrorType ?? "" },
            [":emsg"] = new() { S = DeadLetterTableSchema.Truncate(deadLetter.ErrorMessage) ?? "" },
            [":att"] = new() { N = deadLetter.Attempts.ToString(CultureInfo.InvariantCulture) },
            [":zero"] = new() { N = "0" },
            [":first"] = new() { S = deadLetter.FirstFailureAt.ToString("O", CultureInfo.InvariantCulture) },
            [":last"] = new() { S = deadLetter.LastFailureAt.ToString("O", CultureInfo.InvariantCulture) },
            [":rec"] = recordValue,
        };
        await dynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = DeadLetterTableSchema.Key(deadLetter.Id),
            UpdateExpression = "SET #shard = :shard, #seq = :seq, #reason = :reason, #etype = :etype, #emsg = :emsg, "
                + "#att = if_not_exists(#att, :zero) + :att, #first = if_not_exists(#first, :first), #last = :last, #rec = :rec REMOVE #other",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        }, cancellationToken);
        _logger.LogDebug(
            "Parked record {SequenceNumber} of shard {ShardId} for subscription {Subscription} ({Reason}, {Attempts} attempts): {ErrorType}: {ErrorMessage}",
            deadLetter.SequenceNumber, deadLetter.ShardId, deadLetter.Subscription, deadLetter.Reason, deadLetter.Attempts, deadLetter.ErrorType, deadLetter.ErrorMessage);
    }

    public async Task<DeadLetterPage> ListAsync(string? subscription, int pageSize = 50, string? pageToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var start = DecodeToken(pageToken);
        List<Dictionary<string, AttributeValue>> items;
        Dictionary<string, AttributeValue>? last;
        if (subscription is null)
        {
            var response = await dynamoDb.ScanAsync(new ScanRequest
            {
                TableName = tableName,
                Limit = pageSize,
                ExclusiveStartKey = start,
                ConsistentRead = true,
            }, cancellationToken);
            (items, last) = (response.Items ?? [], response.LastEvaluatedKey);
        }
        else
        {
            var response = await dynamoDb.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                KeyConditionExpression = "#p = :p",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#p"] = DeadLetterTableSchema.Subscription },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":p"] = new() { S = subscription } },
                Limit = pageSize,
                ExclusiveStartKey = start,
                ConsistentRead = true,
            }, cancellationToken);
            (items, last) = (response.Items ?? [], response.LastEvaluatedKey);
        }

        return new DeadLetterPage(items.Select(DeadLetterTableSchema.ToDeadLetter).ToList(), EncodeToken(last));
    }

    public async Task<DeadLetter?> GetAsync(DeadLetterId id, CancellationToken cancellationToken = default)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = DeadLetterTableSchema.Key(id),
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? DeadLetterTableSchema.ToDeadLetter(item) : null;
    }

    public async Task<int> CountAsync(string subscription, CancellationToken cancellationToken = default)
    {
        var count = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await dynamoDb.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                KeyConditionExpression = "#p = :p",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#p"] = DeadLetterTableSchema.Subscription },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":p"] = new() { S = subscription } },
                Select = Select.COUNT,
                ExclusiveStartKey = start,
            }, cancellationToken);
            count += response.Count ?? 0;
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return count;
    }

    public void RegisterProcessor(string subscription, IStreamBatchProcessor processor) => _processors[subscription] = processor;

    public Task<DeadLetterRetryResult> RetryAsync(DeadLetterId id, CancellationToken cancellationToken = default) =>
        _processors.TryGetValue(id.Subscription, out var processor)
            ? RetryAsync(id, processor, cancellationToken)
            : throw new InvalidOperationException($"No processor is registered for subscription '{id.Subscription}'.");

    public async Task<DeadLetterRetryResult> RetryAsync(DeadLetterId id, IStreamBatchProcessor processor, CancellationToken cancellationToken = default)
    {
        var deadLetter = await GetAsync(id, cancellationToken)
            ?? throw new KeyNotFoundException($"Dead letter {id} does not exist.");
        var batch = new StreamBatch(id.Subscription, id.ShardId, [deadLetter.Record])
        {
            Attempt = deadLetter.Attempts + 1,
            IsDeadLetterRetry = true,
        };

        try
        {
            await processor.ProcessAsync(batch, cancellationToken);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            await RecordFailureAsync(id, ex, cancellationToken);
            _logger.LogWarning(ex, "Retry of dead letter {DeadLetterId} failed again", id);
            return new DeadLetterRetryResult(false, $"{ex.GetType().Name}: {ex.Message}");
        }

        await DiscardAsync(id, cancellationToken);
        _logger.LogInformation("Retry of dead letter {DeadLetterId} succeeded; removed from the store", id);
        return DeadLetterRetryResult.Success;
    }

    public async Task<bool> DiscardAsync(DeadLetterId id, CancellationToken cancellationToken = default)
    {
        var response = await dynamoDb.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = tableName,
            Key = DeadLetterTableSchema.Key(id),
            ReturnValues = ReturnValue.ALL_OLD,
        }, cancellationToken);
        return response.Attributes is { Count: > 0 };
    }

    private Task RecordFailureAsync(DeadLetterId id, Exception error, CancellationToken cancellationToken) =>
        dynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = DeadLetterTableSchema.Key(id),
            ConditionExpression = "attribute_exists(#p)",
            UpdateExpression = "SET #att = #att + :one, #last = :last, #etype = :etype, #emsg = :emsg, #reason = :reason",
            ExpressionAttributeNames = new Dictionary<string, string>
            {
                ["#p"] = DeadLetterTableSchema.Subscription,
                ["#att"] = DeadLetterTableSchema.Attempts,
                ["#last"] = DeadLetterTableSchema.LastFailureAt,
                ["#etype"] = DeadLetterTableSchema.ErrorType,
                ["#emsg"] = DeadLetterTableSchema.ErrorMessage,
                ["#reason"] = DeadLetterTableSchema.Reason,
            },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":one"] = new() { N = "1" },
                [":last"] = new() { S = _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) },
                [":etype"] = new() { S = error.GetType().FullName ?? error.GetType().Name },
                [":emsg"] = new() { S = DeadLetterTableSchema.Truncate(error.Message) ?? "" },
                [":reason"] = new() { S = DeadLetterReason.Failed },
            },
        }, cancellationToken);

    private static string? EncodeToken(Dictionary<string, AttributeValue>? last) =>
        last is { Count: > 0 }
            ? Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last[DeadLetterTableSchema.Subscription].S}\n{last[DeadLetterTableSchema.EntryId].S}"))
            : null;

    private static Dictionary<string, AttributeValue>? DecodeToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('\n', 2);
        if (parts.Length != 2)
        {
            throw new FormatException("Invalid dead-letter page token.");
        }

        return new Dictionary<string, AttributeValue>
        {
            [DeadLetterTableSchema.Subscription] = new() { S = parts[0] },
            [DeadLetterTableSchema.EntryId] = new() { S = parts[1] },
        };
    }
}
