using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.Common;

namespace EventLedger.Api.ReadModels;

/// <summary>
/// <c>minVersion=N</c>: waits, bounded, until a read model has applied invoice version N. A read model has applied N when
/// its rows reached N, or when no event in (applied, N] is one it projects (a verifier change never touches
/// invoice-transactions, for example), which the event store answers.
/// <para>
/// When this process also runs the read model's subscription (<see cref="AppliedVersionSignal"/>), the wait is woken the
/// moment the projection host has applied version N of the invoice, and the rows are read once more (not at all first
/// when the signal remembers the invoice). While this process holds every shard of the read model it does not re-read
/// before the deadline; otherwise it re-reads every <see cref="DefaultLocalFallbackPoll"/> (by default) in case another
/// host owns the invoice's shard. Otherwise (an API-only process) it
/// re-reads the rows after 10, 15, 22, 33 … ms (at most 100 ms apart).
/// </para>
/// </summary>
public sealed class ReadYourWrites(InvoiceEventStore store, TimeProvider clock, AppliedVersionSignal? signal = null, TimeSpan? localFallbackPoll = null)
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(5);

    /// <summary>Default re-read interval while waiting on the in-process signal (for shards another host owns). Polling more
    /// often would put the load back: every waiting request re-reads, and under load many wait.</summary>
    public static readonly TimeSpan DefaultLocalFallbackPoll = TimeSpan.FromSeconds(1);

    private readonly TimeSpan _localFallbackPoll = localFallbackPoll ?? DefaultLocalFallbackPoll;

    /// <summary>
    /// Waits until <paramref name="appliedVersion"/> (which reads the rows) reaches <paramref name="minVersion"/>, or the
    /// signal reports it applied (then <paramref name="appliedVersion"/> is called once more so the caller holds fresh rows);
    /// returns false when <paramref name="timeout"/> passed first.
    /// </summary>
    public async Task<bool> WaitAsync(
        ReadModelTable table, string invoiceNumber, long minVersion, Func<IInvoiceEvent, bool> projects,
        Func<CancellationToken, Task<long>> appliedVersion, TimeSpan timeout, CancellationToken ct)
    {
        // Registered before the first read, so an apply between the read and the wait is not missed.
        var published = signal is not null && signal.IsPublished(table.Name, table.Version);
        using var waiter = published ? signal!.Register(table.Name, table.Version, invoiceNumber, minVersion) : null;
        if (waiter?.Applied.IsCompleted == true)
        {
            // This process applied the version already: one read for the rows.
            await appliedVersion(ct);
            return true;
        }

        // This process applied an earlier version of the invoice lately, so it feeds the invoice's shard: skip the first read
        // and wait for the signal (the fallback read still comes after the fallback interval).
        var skipFirstRead = published && timeout > _localFallbackPoll && signal!.LastApplied(table.Name, table.Version, invoiceNumber) is not null;
        // While this process holds every shard of the read model, every apply is signalled here: no re-reads until the deadline.
        var signalOnly = published && signal!.FeedsEveryShard(table.Name, table.Version);
        var deadline = clock.GetUtcNow() + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        long? target = null;
        for (var round = 0; ; round++)
        {
            var applied = round == 0 && skipFirstRead ? -1 : await appliedVersion(ct);
            if (applied >= minVersion)
            {
                return true;
            }

            // Which version this read model must reach is fixed once the events up to minVersion exist, so the event
            // store is asked once, not on every poll; with the signal only if it did not answer first.
            if (applied >= 0 && (waiter is null || round > 0))
            {
                target ??= await LastProjectedVersionAsync(invoiceNumber, applied, minVersion, projects, ct);
                if (applied >= target)
                {
                    return true;
                }
            }

            var left = deadline - clock.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            if (waiter is null)
            {
                await Task.Delay(delay < left ? delay : left, clock, ct);
                delay = TimeSpan.FromMilliseconds(Math.Min(100, delay.TotalMilliseconds * 1.5));
                continue;
            }

            using var poll = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var wait = signalOnly || _localFallbackPoll > left ? left : _localFallbackPoll;
            var fallback = Task.Delay(wait, clock, poll.Token);
            if (await Task.WhenAny(waiter.Applied, fallback) == waiter.Applied)
            {
                await poll.CancelAsync();
                await appliedVersion(ct);
                return true;
            }

            ct.ThrowIfCancellationRequested();
            if (signalOnly)
            {
                // Every shard is fed here and no apply of the version was signalled before the deadline: not applied yet.
                // One read at the deadline (not on the way), so the caller holds current rows for its answer (a 503 says
                // where the read model is, not "0" when the first read was skipped).
                return await appliedVersion(ct) >= minVersion;
            }
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
