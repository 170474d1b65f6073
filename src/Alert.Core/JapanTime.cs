namespace Alert.Core;

/// <summary>
/// Japan time (+09:00, no daylight saving): how desks write times, and how the hub shows them to people and apps.
/// The hub stores UTC.
/// </summary>
public static class JapanTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(9);

    public static DateTimeOffset Of(DateTimeOffset time) => time.ToOffset(Offset);
}
