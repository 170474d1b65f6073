using System.Globalization;

namespace Alert.Fault.Tests.Support;

/// <summary>
/// How long a scenario waits, after its fault is over, for everything owed to arrive. 60 s by default: a hub back from
/// a crash or a broker back from an outage should finish its backlog in seconds, and a notice that waits minutes for
/// its receivers is one residents get late. ALERT_FAULT_PATIENCE=N (seconds) lets a run wait longer to tell "late"
/// from "lost".
/// </summary>
public static class Patience
{
    public static TimeSpan Recovery { get; } = TimeSpan.FromSeconds(
        Environment.GetEnvironmentVariable("ALERT_FAULT_PATIENCE") is { Length: > 0 } s ? double.Parse(s, CultureInfo.InvariantCulture) : 60);
}
