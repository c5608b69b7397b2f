using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Tables;

namespace EventLedger.Reactions.Delivery;

/// <summary>Whether a reaction's endpoint is disabled (a webhook answered 410 Gone), by whom and when.</summary>
public sealed record EndpointState(bool Disabled, string? Reason, DateTimeOffset? DisabledAt)
{
    public static readonly EndpointState Enabled = new(false, null, null);
}

/// <summary>
/// The reactions' shared state in DynamoDB (<c>{prefix}reaction-state</c>, one item per disabled reaction), so a 410 seen by
/// one host pauses the reaction on every host, and an operator's enable reaches them all.
/// </summary>
public sealed class ReactionStateStore(IAmazonDynamoDB dynamoDb, string tablePrefix)
{
    private const string NameKey = "name";
    private readonly SemaphoreSlim _ensure = new(1, 1);
    private volatile bool _ensured;

    public string TableName { get; } = tablePrefix + "reaction-state";

    public async Task<EndpointState> GetAsync(string reaction, CancellationToken ct)
    {
        await EnsureTableAsync(ct);
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = TableName,
            Key = new() { [NameKey] = new AttributeValue { S = reaction } },
            ConsistentRead = true,
        }, ct);
        var item = response.Item;
        return item is { Count: > 0 } && item.TryGetValue("disabled", out var d) && d.BOOL == true
            ? new EndpointState(true, item.TryGetValue("reason", out var r) ? r.S : null,
                item.TryGetValue("disabledAt", out var at) ? DateTimeOffset.Parse(at.S, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : null)
            : EndpointState.Enabled;
    }

    public async Task DisableAsync(string reaction, string reason, DateTimeOffset at, CancellationToken ct)
    {
        await EnsureTableAsync(ct);
        await dynamoDb.PutItemAsync(new PutItemRequest
        {
            TableName = TableName,
            Item = new()
            {
                [NameKey] = new AttributeValue { S = reaction },
                ["disabled"] = new AttributeValue { BOOL = true },
                ["reason"] = new AttributeValue { S = reason },
                ["disabledAt"] = new AttributeValue { S = at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) },
            },
        }, ct);
    }

    public async Task EnableAsync(string reaction, CancellationToken ct)
    {
        await EnsureTableAsync(ct);
        await dynamoDb.DeleteItemAsync(new DeleteItemRequest { TableName = TableName, Key = new() { [NameKey] = new AttributeValue { S = reaction } } }, ct);
    }

    private async Task EnsureTableAsync(CancellationToken ct)
    {
        if (_ensured)
        {
            return;
        }

        await _ensure.WaitAsync(ct);
        try
        {
            if (!_ensured)
            {
                await DynamoTables.EnsureAsync(dynamoDb, new CreateTableRequest
                {
                    TableName = TableName,
                    KeySchema = [new KeySchemaElement(NameKey, KeyType.HASH)],
                    AttributeDefinitions = [new AttributeDefinition(NameKey, ScalarAttributeType.S)],
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                }, ct);
                _ensured = true;
            }
        }
        finally
        {
            _ensure.Release();
        }
    }
}
