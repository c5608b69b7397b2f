using EventLedger.ProjectionHost.Processing;
using EventLedger.Projections.DynamoDb.Group;

namespace EventLedger.ProjectionHost.Hosting.Group;

/// <summary>
/// One live read-model version fed by the group: its table (<see cref="Member"/>), the subscription name its checkpoints and
/// dead letters are kept under, the processor an operator's dead-letter retry runs (its own single-table projection), and
/// how many dead letters it has.
/// </summary>
internal sealed class GroupMemberFeed(string name, int version, string subscription, IDynamoDbGroupMember member, ProjectionBatchProcessor retryProcessor)
{
    private int _deadLetters;

    public string Name => name;
    public int Version => version;
    public string Subscription => subscription;
    public IDynamoDbGroupMember Member => member;
    public ProjectionBatchProcessor RetryProcessor => retryProcessor;
    public IDisposable? Published { get; set; }

    public int DeadLetters
    {
        get => Volatile.Read(ref _deadLetters);
        set => Volatile.Write(ref _deadLetters, value);
    }
}
