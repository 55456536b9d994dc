using System.Diagnostics.Metrics;

namespace AuditPlatform.Testing;

/// <summary>One measurement of an instrument, with its attributes.</summary>
public sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public string? Tag(string name) => Tags.GetValueOrDefault(name)?.ToString();
}

/// <summary>
/// Records what the named instruments measure while it lives, through a <see cref="MeterListener"/>. Meters are
/// process-wide, so tests running in parallel add their own measurements: filter by attributes and assert on
/// what is there, not on totals.
/// </summary>
public sealed class MeasurementLog : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly List<Measured> measured = [];

    public MeasurementLog(params string[] instruments)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instruments.Contains(instrument.Name, StringComparer.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        listener.Start();
    }

    /// <summary>Everything measured so far (after reading every observable instrument once).</summary>
    public IReadOnlyList<Measured> Snapshot()
    {
        listener.RecordObservableInstruments();
        lock (measured)
        {
            return [.. measured];
        }
    }

    public void Dispose() => listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            values[tag.Key] = tag.Value;
        }

        lock (measured)
        {
            measured.Add(new Measured(instrument.Name, value, values));
        }
    }
}
