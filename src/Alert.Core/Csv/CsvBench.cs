using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Alert.Core.Csv;

/// <summary>How long validating a GSI list takes, for `alert bench` and the README's figure.</summary>
public static class CsvBench
{
    /// <summary>A 指定緊急避難場所 list of Kumamoto-like rows, in Shift_JIS as most municipalities publish it.</summary>
    public static byte[] EmergencySitesFile(int rows)
    {
        var text = new StringBuilder(string.Join(",", CsvSchema.EmergencyEvacuationSites.Columns.Select(c => c.Title)) + "\r\n");
        for (var i = 1; i <= rows; i++)
            text.Append(CultureInfo.InvariantCulture,
                $"{i},E43100{i:00000000},熊本市立第{i}小学校,熊本県熊本市中央区黒髪{i % 9 + 1}丁目{i % 40 + 1}-1,1,,,1,,1,1,,1,{32.7 + i % 997 * 0.0001234:0.0000000},{130.65 + i % 991 * 0.0001357:0.0000000},\"体育館、校庭\"\r\n");
        return CodePagesEncodingProvider.Instance.GetEncoding(932)!.GetBytes(text.ToString());
    }

    /// <summary>The median of several runs (after one warm-up) of reading and validating such a file.</summary>
    public static TimeSpan MedianValidationTime(int rows = 2000, int runs = 9)
    {
        var file = EmergencySitesFile(rows);
        var times = new List<TimeSpan>();
        for (var run = 0; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            var result = CsvFormats.ReadEmergencySites(new MemoryStream(file));
            clock.Stop();
            if (!result.IsValid || result.Rows.Count != rows) throw new InvalidOperationException("The generated list did not validate");
            if (run > 0) times.Add(clock.Elapsed);
        }
        return times.Order().ElementAt(times.Count / 2);
    }
}
