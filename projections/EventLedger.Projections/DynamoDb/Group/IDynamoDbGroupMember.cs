using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;

namespace EventLedger.Projections.DynamoDb.Group;

/// <summary>
/// One version's table of a DynamoDB read model as a member of a <see cref="DynamoDbReadModelGroup"/>: the group asks it
/// which rows a batch touches, reads them for every member in one multi-table BatchGetItem, and writes what each member's
/// fold returns in one multi-table BatchWriteItem.
/// </summary>
public interface IDynamoDbGroupMember
{
    /// <summary>The read model's name.</summary>
    string Name { get; }

    /// <summary>The table of the version this member keeps.</summary>
    string TableName { get; }

    /// <summary>Plans a batch: the keys to read and the fold. Events whose handler throws are left out and reported.</summary>
    MemberBatch Plan(IReadOnlyList<StoredEvent> events);
}

/// <summary>
/// One member's part of a group batch. <see cref="KeysToRead"/> are the rows to read first (empty when the rows never
/// change); <see cref="Fold"/> takes the items read and returns the items to put. An event whose handler throws (finding its
/// row or folding it) is skipped for this member only and listed in <see cref="Failed"/>, so the host can park it in this
/// read model's dead-letter store while the other members apply it.
/// </summary>
public sealed class MemberBatch
{
    private readonly List<(StoredEvent Event, Exception Error)> _failed = [];

    internal MemberBatch(
        string tableName,
        IReadOnlyList<Dictionary<string, AttributeValue>> keysToRead,
        Func<IReadOnlyList<Dictionary<string, AttributeValue>>, Action<StoredEvent, Exception>, List<Dictionary<string, AttributeValue>>> fold)
    {
        TableName = tableName;
        KeysToRead = keysToRead;
        FoldCore = fold;
    }

    public string TableName { get; }

    public IReadOnlyList<Dictionary<string, AttributeValue>> KeysToRead { get; }

    /// <summary>Events this member could not apply (their handler threw), with the error.</summary>
    public IReadOnlyList<(StoredEvent Event, Exception Error)> Failed => _failed;

    private Func<IReadOnlyList<Dictionary<string, AttributeValue>>, Action<StoredEvent, Exception>, List<Dictionary<string, AttributeValue>>> FoldCore { get; }

    internal void Fail(StoredEvent e, Exception error) => _failed.Add((e, error));

    internal List<Dictionary<string, AttributeValue>> Fold(IReadOnlyList<Dictionary<string, AttributeValue>> current) => FoldCore(current, Fail);
}
