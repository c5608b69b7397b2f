namespace EventLedger.Projections.Search;

/// <summary>
/// The stream position of the last batch the search read model committed for one shard of one subscription. A Marten
/// document in the read model's own schema, stored in the same unit of work (one transaction) as the batch's documents.
/// </summary>
public sealed class SearchCheckpoint
{
    /// <summary><c>{subscription}|{shardId}</c>.</summary>
    public string Id { get; set; } = "";

    public string Subscription { get; set; } = "";

    public string ShardId { get; set; } = "";

    /// <summary>A DynamoDB Streams sequence number (up to 40 digits, so text), or the shard-end marker.</summary>
    public string SequenceNumber { get; set; } = "";

    public DateTimeOffset UpdatedAt { get; set; }

    public static string IdOf(string subscription, string shardId) => $"{subscription}|{shardId}";
}
