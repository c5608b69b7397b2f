using System.Diagnostics.Metrics;
using EventLedger.Streams.Metrics;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>Sums one counter of the EventLedger.Streams meter for one subscription while alive.</summary>
internal sealed class MetricCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _total;

    public MetricCounter(string instrumentName, string subscription)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StreamsMetrics.MeterName && instrument.Name == instrumentName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "subscription" && (string?)tag.Value == subscription)
                {
                    Interlocked.Add(ref _total, value);
                }
            }
        });
        _listener.Start();
    }

    public long Total => Interlocked.Read(ref _total);

    public void Dispose() => _listener.Dispose();
}
