using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Alert.Hub.Tests.Hostile;

/// <summary>Where a value stands in a document's text, and what kind of place it is (it decides how a payload is written there).</summary>
public enum SiteKind { XmlText, XmlAttribute, JsonString, JsonScalar, JsonKey, CsvCell }

public readonly record struct Site(int Start, int Length, SiteKind Kind);

/// <summary>
/// The building blocks of the generator: finding values in a document, the hostile values put there, and the
/// byte-level tricks (invalid UTF-8, BOMs, other encodings). Everything takes its randomness from the caller's
/// <see cref="Random"/>, so a seed gives the same case every run.
/// </summary>
public static partial class Mutations
{
    // ---- finding values -------------------------------------------------------------------------------------------

    public static List<Site> Sites(string text, NoticeFormat format)
    {
        var sites = new List<Site>();
        switch (format)
        {
            case NoticeFormat.Cap or NoticeFormat.NoticeXml:
                foreach (Match m in XmlTextRegex().Matches(text))
                    if (m.Groups[1].Value.Trim().Length > 0) sites.Add(new(m.Groups[1].Index, m.Groups[1].Length, SiteKind.XmlText));
                foreach (Match m in XmlAttributeRegex().Matches(text))
                    sites.Add(new(m.Groups[1].Index, m.Groups[1].Length, SiteKind.XmlAttribute));
                break;
            case NoticeFormat.NoticeJson:
                foreach (Match m in JsonTokenRegex().Matches(text))
                {
                    var kind = m.Value[0] != '"' ? SiteKind.JsonScalar
                        : JsonAfterToken().Match(text, m.Index + m.Length).Value.Contains(':', StringComparison.Ordinal) ? SiteKind.JsonKey : SiteKind.JsonString;
                    sites.Add(new(m.Index, m.Length, kind));
                }
                break;
            default:
                var start = 0;
                foreach (var line in text.Split('\n'))
                {
                    var cell = 0;
                    foreach (var value in line.TrimEnd('\r').Split(','))
                    {
                        sites.Add(new(start + cell, value.Length, SiteKind.CsvCell));
                        cell += value.Length + 1;
                    }
                    start += line.Length + 1;
                }
                break;
        }
        return sites;
    }

    /// <summary>A value site, JSON keys mostly left alone (a wrong key is one kind of mistake; values are where the variety is).</summary>
    public static Site PickValue(List<Site> sites, Random rng)
    {
        if (sites.Count == 0) throw new ArgumentException("no value in the document", nameof(sites));
        var values = sites.Where(s => s.Kind != SiteKind.JsonKey).ToList();
        return values.Count > 0 && rng.Next(8) != 0 ? values[rng.Next(values.Count)] : sites[rng.Next(sites.Count)];
    }

    public static string Replace(string text, Site site, string with) => string.Concat(text.AsSpan(0, site.Start), with, text.AsSpan(site.Start + site.Length));

    /// <summary>Writes a raw value where the site is, escaped so the document stays well-formed (a value that is wrong, not markup that is broken).</summary>
    public static string Written(Site site, string value) => site.Kind switch
    {
        SiteKind.XmlText => value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal),
        SiteKind.XmlAttribute => value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal),
        SiteKind.CsvCell => value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value,
        _ => JsonString(value),
    };

    /// <summary>A JSON string with every character outside printable ASCII escaped, lone surrogates included (valid JSON syntax).</summary>
    public static string JsonString(string value)
    {
        var b = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c == '"' || c == '\\') b.Append('\\').Append(c);
            else if (c < 0x20 || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF') b.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else b.Append(c);
        }
        return b.Append('"').ToString();
    }

    // ---- hostile values -------------------------------------------------------------------------------------------

    public static readonly string[] WrongTypes =
    [
        "abc", "-1", "0", "1.5", "1e9", "", " ", "true", "null", "NaN", "Infinity", "-Infinity", "0x1F", "１２３", "12,345", "-0", "+5",
        "99999999999999999999999999999999999", "1e400", "2147483648", "-2147483649", "[]", "{}", "<x/>", "Actual Exercise", "undefined",
    ];

    public static readonly string[] JsonWrongTypes =
    [
        "\"abc\"", "-1", "0", "1.5", "1e9", "\"\"", "true", "false", "null", "[]", "{}", "[1,2]", "{\"a\":1}", "\"NaN\"", "\"1\"",
        "99999999999999999999999999999999999", "1e400", "-0", "2147483648", "-2147483649", "0.0000000000000000000000000000001",
        "79228162514264337593543950336", "[[[]]]", "\"\\u0000\"", "[null]", "{\"category\":\"evacuation\"}",
    ];

    public static readonly string[] InvalidCodes =
    [
        "431002", "43", "00", "48", "99999", "1234567", "４３１００１", "43100１", "431001 ", " 431001 ", "43-100", "abcdef", "", "0", "430000",
        "47999", "-43100", "43100.0", "4.31e5", "434434", "131016", "01", "470007", "4310", "431", "43\u00A0100", "٤٣١٠٠١", "43100\u200B",
    ];

    public static readonly string[] InvalidDates =
    [
        "2026-02-30T00:00:00+09:00", "2026-07-01T03:00:00+24:00", "2026-07-01T03:00:00+14:01", "0000-01-01T00:00:00+00:00",
        "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "10000-01-01T00:00:00+09:00", "2026-07-01", "2026-07-01T03:00:00",
        "2026-07-01T03:00:00Z", "yesterday", "2026-13-01T00:00:00+09:00", "2026-07-01T24:00:00+09:00", "2026-07-01T03:60:00+09:00",
        "2026-07-01T03:00:00.99999999999+09:00", "1970-01-01T00:00:00+09:00", "2026-07-01T03:00:00+09:00:00", "2026/7/1 3:00",
        "-2026-07-01T03:00:00+09:00", "2026-07-01T03:00:00+0900", "2026-W27-3T03:00:00+09:00", "2026-07-01T03:00:00 +09:00",
        "２０２６-07-01T03:00:00+09:00", "2026-07-01T03:00:00-00:00", "9999-12-31T23:59:59.9999999+00:00", "0001-01-01T00:00:00-14:00",
        "2026-06-31 25:61", "2026/02/29 12:00",
    ];

    /// <summary>Characters that break parsers, databases, terminals and XML writers.</summary>
    public static readonly string[] NastyCharacters =
    [
        "\0", "\u0001", "\u0007", "\u0008", "\u000B", "\u000C", "\u001B[31m", "\u001F", "\u007F", "\u0085", "\u2028", "\u2029", "\uFEFF", "\uFFFE", "\uFFFF",
        "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uDC00\uD800", "\uD83D\uDE00", "\u202E", "\u200B", "\u0301\u0301\u0301\u0301", "\uE000", "\uDBFF\uDFFF",
        "ｶﾀｶﾅ", "①㈱", "\u3000", "𠮷野家", "\t", "\r", "\n", "'; DROP TABLE notices; --", "${jndi:ldap://127.0.0.1/a}", "{{7*7}}", "%00", "%s%n",
        "../../../../etc/passwd", "\\\\server\\share",
    ];

    public static string NastyText(Random rng)
    {
        var b = new StringBuilder();
        var count = 1 + rng.Next(6);
        for (var i = 0; i < count; i++) b.Append(NastyCharacters[rng.Next(NastyCharacters.Length)]);
        return b.ToString();
    }

    /// <summary>A value of 10 KB to 900 KB characters (ASCII or Japanese: the latter can pass the 1 MiB limit in bytes), or a number of thousands of digits.</summary>
    public static string Huge(Random rng)
    {
        int[] sizes = [10_000, 100_000, 300_000, 500_000, 900_000];
        var size = sizes[rng.Next(sizes.Length)];
        return rng.Next(4) switch
        {
            0 => new string('9', Math.Min(size, 50_000)),
            1 => string.Concat(Enumerable.Repeat("避難", Math.Min(size, 300_000) / 2)),
            _ => new string('A', size),
        };
    }

    /// <summary>Raw markup for each kind of place: it breaks the document's syntax rather than its values.</summary>
    public static string Markup(SiteKind kind, Random rng)
    {
        string[] xml = ["<", "&", "]]>", "<![CDATA[", "<!--", "<x>", "</", "&amp", "&#0;", "&#xD800;", "&#x1;", "&#xFFFE;", "&#1114112;", "&lt;&gt;", "&unknown;", "<?pi?>", "\"", "'", "<alert>"];
        string[] json = ["\"", "\\", "}", "]", "{", "[", ",", ":", "\\u", "\\ud800", "\\x41", "\u0001", "\n", "//", "/*", "'", "\\\"", "\t"];
        string[] csv = ["\"", "\"\"", ",", "\r", "\n", "\r\n", "\"a\"b", ";", "\t", "\0", ",,,,,,,,,,"];
        var list = kind switch { SiteKind.CsvCell => csv, SiteKind.JsonKey or SiteKind.JsonScalar or SiteKind.JsonString => json, _ => xml };
        return list[rng.Next(list.Length)];
    }

    // ---- bytes ----------------------------------------------------------------------------------------------------

    /// <summary>UTF-8, except that lone surrogates are written as their own three bytes (ED A0 80 …) instead of being replaced: invalid UTF-8 the way broken encoders write it.</summary>
    public static byte[] Utf8Loose(string text)
    {
        var bytes = new List<byte>(text.Length * 2);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(text.Substring(i, 2)));
                i++;
            }
            else if (char.IsSurrogate(c))
                bytes.AddRange([(byte)(0xE0 | (c >> 12)), (byte)(0x80 | ((c >> 6) & 0x3F)), (byte)(0x80 | (c & 0x3F))]);
            else
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
        return [.. bytes];
    }

    public static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xFE], [0xC0, 0x80], [0xC0, 0xBC], [0xE0, 0x80, 0xBC], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xBF, 0xBF], [0xED, 0xA0, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xE3, 0x81], [0xC3], [0x82, 0xA0], [0x00, 0x00, 0xFE, 0xFF], [0xEF, 0xBB, 0xBF], [0x1B, 0x24, 0x42],
    ];

    public static byte[] Insert(byte[] bytes, int at, byte[] what) => [.. bytes.AsSpan(0, at), .. what, .. bytes.AsSpan(at)];

    public static byte[] Truncate(byte[] bytes, Random rng) => bytes[..rng.Next(bytes.Length)];

    public static byte[] FlipBits(byte[] bytes, Random rng)
    {
        var copy = (byte[])bytes.Clone();
        var flips = 1 + rng.Next(8);
        for (var i = 0; i < flips; i++) copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
        return copy;
    }

    /// <summary>Byte order marks right and wrong: the body's own bytes are UTF-8 unless the mark was made to match.</summary>
    public static (string Name, byte[] Bytes) Bom(string text, byte[] body, Random rng)
    {
        byte[] utf16le = [0xFF, 0xFE], utf16be = [0xFE, 0xFF], utf32le = [0xFF, 0xFE, 0x00, 0x00], utf32be = [0x00, 0x00, 0xFE, 0xFF];
        var firstLine = Math.Max(0, Array.IndexOf(body, (byte)'\n') + 1);
        return rng.Next(10) switch
        {
            0 => ("UTF-8 BOM", [.. Samples.Utf8Bom, .. body]),
            1 => ("two UTF-8 BOMs", [.. Samples.Utf8Bom, .. Samples.Utf8Bom, .. body]),
            2 => ("UTF-16 LE BOM on UTF-8 bytes", [.. utf16le, .. body]),
            3 => ("UTF-16 BE BOM on UTF-8 bytes", [.. utf16be, .. body]),
            4 => ("UTF-32 LE BOM on UTF-8 bytes", [.. utf32le, .. body]),
            5 => ("UTF-32 BE BOM on UTF-8 bytes", [.. utf32be, .. body]),
            6 => ("UTF-8 BOM after the first line", Insert(body, firstLine, Samples.Utf8Bom)),
            7 => ("UTF-16 LE with its BOM", [.. utf16le, .. Encoding.Unicode.GetBytes(text)]),
            8 => ("UTF-8 BOM on UTF-16 LE bytes", [.. Samples.Utf8Bom, .. Encoding.Unicode.GetBytes(text)]),
            _ => ("UTF-32 LE with its BOM", [.. utf32le, .. new UTF32Encoding(false, false).GetBytes(text)]),
        };
    }

    /// <summary>
    /// The document in an encoding other than the one it says (or says nothing about): Shift_JIS declared over UTF-8
    /// bytes and the reverse, UTF-16 without a BOM, EUC-JP, ISO-2022-JP, Latin-1, and names no decoder knows.
    /// </summary>
    public static (string Name, byte[] Bytes) MixedEncoding(string text, NoticeFormat format, Random rng)
    {
        static string Declare(string xml, string encoding) =>
            XmlDeclaration().IsMatch(xml) ? XmlDeclaration().Replace(xml, $"<?xml version=\"1.0\" encoding=\"{encoding}\"?>", 1) : $"<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n{xml}";
        var xml = format is NoticeFormat.Cap or NoticeFormat.NoticeXml;
        var choice = rng.Next(xml ? 14 : 8);
        return choice switch
        {
            0 => ("Shift_JIS bytes" + (xml ? ", UTF-8 declared" : ""), Samples.ShiftJis.GetBytes(text)),
            1 => ("UTF-16 LE without BOM", Encoding.Unicode.GetBytes(text)),
            2 => ("UTF-16 BE without BOM", Encoding.BigEndianUnicode.GetBytes(text)),
            3 => ("EUC-JP bytes", Encoding.GetEncoding(51932).GetBytes(text)),
            4 => ("ISO-2022-JP bytes", Encoding.GetEncoding(50220).GetBytes(text)),
            5 => ("UTF-32 LE without BOM", new UTF32Encoding(false, false).GetBytes(text)),
            6 => ("UTF-8 then Shift_JIS halfway", [.. Encoding.UTF8.GetBytes(text[..(text.Length / 2)]), .. Samples.ShiftJis.GetBytes(text[(text.Length / 2)..])]),
            7 => ("Latin-1 bytes (Japanese lost)", Encoding.Latin1.GetBytes(text)),
            8 => ("Shift_JIS declared over UTF-8 bytes", Encoding.UTF8.GetBytes(Declare(text, "Shift_JIS"))),
            9 => ("UTF-16 declared over UTF-8 bytes", Encoding.UTF8.GetBytes(Declare(text, "UTF-16"))),
            10 => ("UTF-16 declared, UTF-16 LE bytes without BOM", Encoding.Unicode.GetBytes(Declare(text, "UTF-16"))),
            11 => ("unknown encoding declared", Encoding.UTF8.GetBytes(Declare(text, rng.Next(2) == 0 ? "x-no-such-encoding" : "utf-7"))),
            12 => ("EBCDIC declared over ASCII", Encoding.UTF8.GetBytes(Declare(text, "IBM037"))),
            _ => ("ISO-8859-1 declared over UTF-8 bytes", Encoding.UTF8.GetBytes(Declare(text, "ISO-8859-1"))),
        };
    }

    public static readonly string?[] ContentTypes =
    [
        "text/plain", "application/octet-stream", null, "", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
        "application/cap+xml; charset=utf-16", "APPLICATION/CAP+XML", "application/cap+xml;;;==", "application/json; charset=shift_jis", "*/*",
        "application/cap+xml, text/plain", "text/csv", "application/json", "application/xml", "application/vnd.alert-hub.notice+xml", "text/xml",
        "application/vnd.alert-hub.notice+json", "application/cap+xml" + new string(' ', 4000) + ";x=y", "text/csv; charset=utf-16",
        "application/problem+json", "text/html", "image/svg+xml", "application/soap+xml", "application/cap", "cap+xml", " application/json ",
    ];

    [GeneratedRegex(@">([^<>]+)<")]
    private static partial Regex XmlTextRegex();

    [GeneratedRegex(@"\s[\w:.-]+=""([^""]*)""")]
    private static partial Regex XmlAttributeRegex();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\btrue\b|\bfalse\b|\bnull\b")]
    private static partial Regex JsonTokenRegex();

    [GeneratedRegex(@"\G\s*:?")]
    private static partial Regex JsonAfterToken();

    [GeneratedRegex(@"<\?xml[^?]*\?>")]
    public static partial Regex XmlDeclaration();

    [GeneratedRegex(@"(?<![0-9])43[0-9]{3,4}(?![0-9])")]
    public static partial Regex CodeRegex();

    [GeneratedRegex(@"[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:[+-][0-9]{2}:[0-9]{2}|Z)?)?")]
    public static partial Regex DateRegex();

    [GeneratedRegex(@"<(\w+)(?:\s[^<>]*)?>[^<>]*</\1>|<\w+(?:\s[^<>]*)?/>")]
    public static partial Regex LeafElement();

    [GeneratedRegex(@"<(\w+)(?:\s[^<>]*)?>(?:(?!<\1[\s>]).)*?</\1>", RegexOptions.Singleline)]
    public static partial Regex AnyElement();
}
