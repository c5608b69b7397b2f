using EventLedger.Domain.Invoices;
using EventLedger.EventStore;

namespace EventLedger.Api.ReadModels;

/// <summary>
/// <c>minVersion=N</c>: waits, bounded, until a read model has applied invoice version N. A read model has applied N when
/// its rows reached N, or when no event in (applied, N] is one it projects (a verifier change never touches
/// invoice-transactions, for example), which the event store answers.
/// </summary>
public sealed class ReadYourWrites(InvoiceEventStore store, TimeProvider clock)
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(5);

    /// <summary>Polls <paramref name="appliedVersion"/> until caught up; returns false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitAsync(
        string invoiceNumber, long minVersion, Func<IInvoiceEvent, bool> projects, Func<CancellationToken, Task<long>> appliedVersion,
        TimeSpan timeout, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        long? target = null;
        while (true)
        {
            var applied = await appliedVersion(ct);
            if (applied >= minVersion)
            {
                return true;
            }

            // Which version this read model must reach is fixed once the events up to minVersion exist, so the event
            // store is asked once, not on every poll.
            target ??= await LastProjectedVersionAsync(invoiceNumber, applied, minVersion, projects, ct);
            if (applied >= target)
            {
                return true;
            }

            if (clock.GetUtcNow() >= deadline)
            {
                return false;
            }

            await Task.Delay(delay, clock, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(100, delay.TotalMilliseconds * 1.5));
        }
    }

    /// <summary>
    /// The highest version in (applied, minVersion] whose event this read model projects, or <paramref name="applied"/> when
    /// none does. When version minVersion does not exist (yet), minVersion itself: only the rows reaching it can answer.
    /// </summary>
    private async Task<long> LastProjectedVersionAsync(string invoiceNumber, long applied, long minVersion, Func<IInvoiceEvent, bool> projects, CancellationToken ct)
    {
        var target = applied;
        var last = applied;
        await foreach (var e in store.ReadStreamAsync(invoiceNumber, applied + 1, ct))
        {
            if (e.Version > minVersion)
            {
                break;
            }

            last = e.Version;
            if (projects(e.Data))
            {
                target = e.Version;
            }
        }

        return last < minVersion ? minVersion : target;
    }
}
