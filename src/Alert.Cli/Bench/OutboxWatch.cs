using System.Globalization;

namespace Alert.Cli.Bench;

/// <summary>
/// The hub's outbox as the hub itself reports it on <c>/metrics</c> (rows not yet published, the oldest one's age),
/// read while a load run goes on. A relay that falls behind delays every notice's fan-out while intake's figures look
/// fine, as the hub's once did unnoticed for days; this keeps the worst it did in the run's table.
/// </summary>
public sealed class OutboxWatch(Uri hub) : IDisposable
{
    // Its own client: the benchmark's connections to the hub are counted out for the notices it sends.
    private readonly HttpClient _http = new() { BaseAddress = hub, Timeout = TimeSpan.FromSeconds(5) };

    public int Reads { get; private set; }
    public long MostUnsent { get; private set; }
    public double MostLagSeconds { get; private set; }

    public async Task ReadAsync(CancellationToken ct)
    {
        string text;
        try
        {
            text = await _http.GetStringAsync("/metrics", ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return; // a read missed counts as none; the run goes on
        }
        Note(text);
    }

    /// <summary>Keeps the worst of one <c>/metrics</c> text; false when the text does not hold both series.</summary>
    public bool Note(string text)
    {
        if (Sample(text, "alert_outbox_unsent") is not { } unsent || Sample(text, "alert_outbox_lag_seconds") is not { } lag) return false;
        Reads++;
        MostUnsent = Math.Max(MostUnsent, (long)unsent);
        MostLagSeconds = Math.Max(MostLagSeconds, lag);
        return true;
    }

    /// <summary>The value of one series in Prometheus text (name and labels exactly as written); null when it is not there.</summary>
    public static double? Sample(string text, string series) =>
        text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal)) is { } line
        && double.TryParse(line.AsSpan(series.Length + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    public string Describe() => Reads == 0
        ? "not read (no `/metrics` answer)"
        : string.Create(CultureInfo.InvariantCulture, $"{MostUnsent:N0} / {MostLagSeconds:F1} s ({Reads} reads)");

    public void Dispose() => _http.Dispose();
}
