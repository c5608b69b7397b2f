using System.Diagnostics.Metrics;

namespace EventLedger.Archive.Writing;

/// <summary>The archive's metrics (meter <c>EventLedger.Archive</c>): what it stored, how long a store took, what it holds.</summary>
public static class ArchiveMetrics
{
    public const string MeterName = "EventLedger.Archive";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> ObjectsStored = Meter.CreateCounter<long>("eventledger.archive.objects_stored", description: "Parquet objects stored and committed");
    public static readonly Counter<long> EventsStored = Meter.CreateCounter<long>("eventledger.archive.events_stored", description: "Events in stored objects");
    public static readonly Counter<long> BytesStored = Meter.CreateCounter<long>("eventledger.archive.bytes_stored", unit: "By", description: "Bytes of stored objects");
    public static readonly Histogram<double> StoreDuration = Meter.CreateHistogram<double>("eventledger.archive.store_duration", unit: "ms", description: "Encode, put and commit of one object");
    public static readonly Counter<long> Conflicts = Meter.CreateCounter<long>("eventledger.archive.conflicts", description: "Stores that found another writer's claim or commit first");

    private static long _buffered;

    static ArchiveMetrics() =>
        Meter.CreateObservableGauge("eventledger.archive.buffered_events", () => Interlocked.Read(ref _buffered), description: "Events delivered but not stored yet");

    public static void Buffered(long delta) => Interlocked.Add(ref _buffered, delta);
}
