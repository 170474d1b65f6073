namespace Alert.Cli.Bench;

public static class Percentiles
{
    /// <summary>Nearest rank: always a value that was measured, never one between two; NaN when nothing was.</summary>
    public static double At(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}
