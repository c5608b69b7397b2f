using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.Projections.Common;

/// <summary>
/// How long audit rows stay in DynamoDB (the <c>Retention</c> section; <c>Retention__InvoiceHistory=90.00:00:00</c>). Off
/// unless set. Rows get a DynamoDB TTL attribute and DynamoDB deletes them once it has passed; the archive keeps every event
/// for its own retention. The events themselves are never expired (ADR 0013).
/// </summary>
public sealed record HotTierRetention
{
    public const string Section = "Retention";

    /// <summary>How long an invoice-history row stays after its event was recorded; null keeps rows for good.</summary>
    public TimeSpan? InvoiceHistory { get; init; }

    /// <summary>This, checked (at start, so that a wrong value stops the server rather than a projection).</summary>
    /// <exception cref="InvalidOperationException">A retention is zero or negative.</exception>
    public HotTierRetention Validated()
    {
        _ = For("invoice-history");
        return this;
    }

    /// <summary>The TTL of a read model's rows, or null when its rows do not expire.</summary>
    /// <exception cref="InvalidOperationException">A retention is zero or negative.</exception>
    public RowTimeToLive? For(string readModel)
    {
        if (readModel != "invoice-history" || InvoiceHistory is not { } retention)
        {
            return null;
        }

        return retention > TimeSpan.Zero
            ? new RowTimeToLive(RowTimeToLive.DefaultAttribute, "recordedAt", retention)
            : throw new InvalidOperationException($"Retention__InvoiceHistory must be a positive duration, e.g. 90.00:00:00, not {retention}.");
    }
}

/// <summary>A TTL on a read model's rows: <see cref="Attribute"/> holds the epoch second after which DynamoDB deletes the row,
/// <see cref="After"/> past the time in attribute <see cref="From"/> (an ISO 8601 text, e.g. recordedAt).</summary>
public sealed record RowTimeToLive(string Attribute, string From, TimeSpan After)
{
    public const string DefaultAttribute = "expiresAt";

    /// <summary>The epoch second the item expires at, or null when it has no time to count from.</summary>
    public long? ExpiresAt(IReadOnlyDictionary<string, AttributeValue> item) =>
        item.TryGetValue(From, out var value) && value.S is { } text &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            ? (at + After).ToUnixTimeSeconds()
            : null;

    /// <summary>Turns TTL on for the table (a no-op when it is on already).</summary>
    public async Task EnableAsync(IAmazonDynamoDB dynamoDb, string tableName, CancellationToken cancellationToken)
    {
        var current = await dynamoDb.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = tableName }, cancellationToken);
        if (current.TimeToLiveDescription?.TimeToLiveStatus == TimeToLiveStatus.ENABLED && current.TimeToLiveDescription.AttributeName == Attribute)
        {
            return;
        }

        await dynamoDb.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = tableName,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = Attribute, Enabled = true },
        }, cancellationToken);
    }
}
