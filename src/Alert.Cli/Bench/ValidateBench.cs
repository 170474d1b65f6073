using System.Diagnostics;
using System.Globalization;
using System.Text;
using Alert.Core.Cap;
using Alert.Core.Notices;

namespace Alert.Cli.Bench;

/// <summary>
/// How many documents a second the hub's readers validate (safe parse, XSD, rules), on one core and on all,
/// for a typical evacuation order in CAP and in native notice XML. No hub or database involved.
/// </summary>
public static class ValidateBench
{
    public static int Run(TimeSpan duration)
    {
        var cap = Encoding.UTF8.GetBytes(CapWriter.Write(CapWriter.EvacuationOrder("bench-1", "431001", "熊本市", DateTimeOffset.Now)));
        var native = Encoding.UTF8.GetBytes(NoticeXmlWriter.Write(Sample()));
        var json = Encoding.UTF8.GetBytes(NoticeJson.Write(Sample()));
        if (!CapReader.Read(new MemoryStream(cap)).IsValid || !NoticeXmlReader.Read(new MemoryStream(native)).IsValid || !NoticeJson.Read(new MemoryStream(json)).IsValid)
            throw new InvalidOperationException("benchmark documents must be valid");

        Console.WriteLine($"Documents validated per second ({duration.TotalSeconds:F0} s each, {Environment.ProcessorCount} cores):");
        Console.WriteLine($"{"",-34}{"1 core",12}{"all cores",12}");
        foreach (var (name, bytes, read) in new (string, byte[], Func<Stream, bool>)[]
        {
            ($"CAP 1.2 + profile ({cap.Length} B)", cap, s => CapReader.Read(s).IsValid),
            ($"native notice XML ({native.Length} B)", native, s => NoticeXmlReader.Read(s).IsValid),
            ($"native notice JSON ({json.Length} B)", json, s => NoticeJson.Read(s).IsValid),
        })
        {
            Measure(bytes, read, TimeSpan.FromSeconds(1), 1); // warm-up
            var one = Measure(bytes, read, duration, 1);
            var all = Measure(bytes, read, duration, Environment.ProcessorCount);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-34}{one,12:N0}{all,12:N0}"));
        }
        var csv = Alert.Core.Csv.CsvBench.MedianValidationTime(2000, 9);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"GSI 指定緊急避難場所 CSV, 2,000 rows ({Alert.Core.Csv.CsvBench.EmergencySitesFile(2000).Length / 1024} KiB, Shift_JIS): {csv.TotalMilliseconds:F1} ms to validate (median of 9)"));
        return 0;
    }

    private static double Measure(byte[] bytes, Func<Stream, bool> read, TimeSpan duration, int threads)
    {
        long count = 0;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, threads, _ =>
        {
            long mine = 0;
            while (clock.Elapsed < duration)
            {
                if (!read(new MemoryStream(bytes))) throw new InvalidOperationException("a valid document was refused");
                mine++;
            }
            Interlocked.Add(ref count, mine);
        });
        return count / clock.Elapsed.TotalSeconds;
    }

    private static Notice Sample()
    {
        var sent = new DateTimeOffset(2026, 7, 1, 3, 0, 0, TimeSpan.FromHours(9));
        return new Notice(
            new Envelope("bench-0001", 1, "431001", "熊本市", NoticeMode.Test, NoticeKind.Issue, null, sent, null, sent.AddDays(1), [new AreaRef("431010", "熊本市中央区")]),
            new EvacuationBody([
                new District("出水一丁目", null, null, "4", DisasterType.Flood, 412, 903, sent, null),
                new District(null, "431010", null, "3", DisasterType.Landslide, null, null, sent, null),
                new District("白川河川敷", null, "32.7901,130.7202 32.7950,130.7250 32.7890,130.7301 32.7901,130.7202", "5", DisasterType.Flood, null, null, null, null),
            ]));
    }
}
