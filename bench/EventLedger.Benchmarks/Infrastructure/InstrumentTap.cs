using System.Diagnostics.Metrics;

namespace EventLedger.Benchmarks.Infrastructure;

/// <summary>
/// Listens, while alive, to one instrument the product publishes (by meter and instrument name) and hands each
/// measurement with its tags to <c>onMeasurement</c>: how a scenario reads the product's own metrics in process.
/// </summary>
internal sealed class InstrumentTap<T> : IDisposable where T : struct
{
    private readonly MeterListener _listener = new();

    public InstrumentTap(string meterName, string instrumentName, Action<T, IReadOnlyDictionary<string, object?>> onMeasurement)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName && instrument.Name == instrumentName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<T>((_, value, tags, _) =>
        {
            var byKey = new Dictionary<string, object?>(tags.Length, StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                byKey[tag.Key] = tag.Value;
            }

            onMeasurement(value, byKey);
        });
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();
}
