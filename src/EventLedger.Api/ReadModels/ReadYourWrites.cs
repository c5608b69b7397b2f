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
        while (true)
        {
            var applied = await appliedVersion(ct);
            if (applied >= minVersion || !await AnyProjectedEventAsync(invoiceNumber, applied, minVersion, projects, ct))
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

    private async Task<bool> AnyProjectedEventAsync(string invoiceNumber, long applied, long minVersion, Func<IInvoiceEvent, bool> projects, CancellationToken ct)
    {
        var sawAny = false;
        await foreach (var e in store.ReadStreamAsync(invoiceNumber, applied + 1, ct))
        {
            if (e.Version > minVersion)
            {
                break;
            }

            sawAny = true;
            if (projects(e.Data))
            {
                return true;
            }
        }

        // Version N does not exist yet (or at all): not caught up; the caller's deadline decides.
        return !sawAny;
    }
}
