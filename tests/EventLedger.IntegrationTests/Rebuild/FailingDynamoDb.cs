using System.Reflection;
using System.Runtime.ExceptionServices;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.IntegrationTests.Rebuild;

/// <summary>
/// A DynamoDB client that forwards every call to a real one, except a call the test arms it to fail: a transient
/// DynamoDB error (what a throttled or briefly unreachable table answers), which DynamoDB Local cannot produce on demand.
/// </summary>
public class FailingDynamoDb : DispatchProxy
{
    private IAmazonDynamoDB _inner = null!;
    private Func<string, object?, bool>? _armed;
    private int _injected;
    private volatile bool _dead;
    private int _writesSent;
    private int _writesInFlight;
    private TaskCompletionSource? _writeHeld;
    private TaskCompletionSource? _readFailed;
    private int _readToFail;

    /// <summary>The client to hand to the code under test, and the switch that arms its failures.</summary>
    public static (IAmazonDynamoDB Client, FailingDynamoDb Faults) Around(IAmazonDynamoDB inner)
    {
        var client = Create<IAmazonDynamoDB, FailingDynamoDb>();
        var faults = (FailingDynamoDb)(object)client;
        faults._inner = inner;
        return (client, faults);
    }

    /// <summary>From now on every call fails, as for a host that died or was cut off (its leases stop being renewed).</summary>
    public void FailEverything() => _dead = true;

    /// <summary>How many calls failed on purpose so far.</summary>
    public int Injected => Volatile.Read(ref _injected);

    /// <summary>BatchWriteItem calls sent so far, and those not answered yet.</summary>
    public (int Sent, int InFlight) BatchWrites => (Volatile.Read(ref _writesSent), Volatile.Read(ref _writesInFlight));

    /// <summary>
    /// Fails the next <c>BatchGetItem</c> while writes are in flight: every <c>BatchWriteItem</c> is held until that read has
    /// failed, and the read fails once a write is held (or after 30 s with a <see cref="TimeoutException"/>: nothing
    /// overlapped).
    /// </summary>
    public void FailNextBatchGetWhileWriting()
    {
        _writeHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _readFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _readToFail, 1);
    }

    /// <summary>Fails the next <c>UpdateItem</c> that <paramref name="matching"/> accepts, once.</summary>
    public void FailNextUpdate(Func<UpdateItemRequest, bool> matching) =>
        Arm(nameof(IAmazonDynamoDB.UpdateItemAsync), request => request is UpdateItemRequest update && matching(update));

    /// <summary>Fails the next <c>DescribeTable</c> of <paramref name="tableName"/>, once.</summary>
    public void FailNextDescribe(string tableName) =>
        Arm(nameof(IAmazonDynamoDB.DescribeTableAsync), request => request is string name ? name == tableName : request is DescribeTableRequest d && d.TableName == tableName);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var returnsTask = targetMethod.ReturnType.IsGenericType && targetMethod.ReturnType.GetGenericTypeDefinition() == typeof(Task<>);
        if ((_dead && returnsTask) || (Volatile.Read(ref _armed) is { } armed && armed(targetMethod.Name, args is { Length: > 0 } ? args[0] : null)
            && Interlocked.CompareExchange(ref _armed, null, armed) == armed))
        {
            Interlocked.Increment(ref _injected);
            var failure = new InternalServerErrorException("Injected by the test: a transient DynamoDB failure.");
            var result = typeof(Task).GetMethod(nameof(Task.FromException), 1, [typeof(Exception)])!
                .MakeGenericMethod(targetMethod.ReturnType.GetGenericArguments()[0]);
            return result.Invoke(null, [failure]);
        }

        if (_readFailed is { } readFailed && _writeHeld is { } writeHeld)
        {
            if (targetMethod.Name == nameof(IAmazonDynamoDB.BatchGetItemAsync) && Interlocked.Exchange(ref _readToFail, 0) == 1)
            {
                return FailReadAsync(writeHeld.Task, readFailed);
            }

            if (targetMethod.Name == nameof(IAmazonDynamoDB.BatchWriteItemAsync))
            {
                Interlocked.Increment(ref _writesSent);
                Interlocked.Increment(ref _writesInFlight);
                writeHeld.TrySetResult();
                return HoldWriteAsync(readFailed.Task, () => (Task<BatchWriteItemResponse>)Forward(targetMethod, args)!);
            }
        }

        return Forward(targetMethod, args);
    }

    private async Task<BatchGetItemResponse> FailReadAsync(Task writeHeld, TaskCompletionSource readFailed)
    {
        await writeHeld.WaitAsync(TimeSpan.FromSeconds(30));
        Interlocked.Increment(ref _injected);
        readFailed.TrySetResult();
        throw new InternalServerErrorException("Injected by the test: a transient DynamoDB failure.");
    }

    private async Task<BatchWriteItemResponse> HoldWriteAsync(Task readFailed, Func<Task<BatchWriteItemResponse>> write)
    {
        try
        {
            await readFailed;
            return await write();
        }
        finally
        {
            Interlocked.Decrement(ref _writesInFlight);
        }
    }

    private object? Forward(MethodInfo targetMethod, object?[]? args)
    {
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            // Reflection wraps what the real client threw; the caller must see the client's own exception.
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    private void Arm(string method, Func<object?, bool> matching) =>
        Volatile.Write(ref _armed, (name, request) => name == method && matching(request));
}
