using System.Text;
using System.Text.RegularExpressions;

namespace Alert.Hub.Tests.Hostile;

/// <summary>
/// A valid document the generator starts from: its bytes, how it is sent, and how to make it a new notice (a fresh
/// CAP identifier or native documentId, so that a mutation that leaves it valid is a new notice, not a conflict).
/// </summary>
public sealed record Sample(string Name, NoticeFormat Format, byte[] Bytes, string ContentType, string? Sheet = null)
{
    /// <summary>Shift_JIS sheets are mutated as text and written back in Shift_JIS.</summary>
    public Encoding TextEncoding => Samples.IsUtf8(Bytes) ? new UTF8Encoding(false) : Samples.ShiftJis;

    public bool HasBom => Bytes.AsSpan().StartsWith(Samples.Utf8Bom);

    /// <summary>The document as text (without a BOM) with a unique identifier or documentId.</summary>
    public string Text(string unique)
    {
        var text = TextEncoding.GetString(HasBom ? Bytes[3..] : Bytes);
        return Format switch
        {
            NoticeFormat.Cap => Samples.Identifier().Replace(text, $"<identifier>{unique}</identifier>", 1),
            NoticeFormat.NoticeXml => Samples.XmlDocumentId().Replace(text, $"<documentId>{unique}</documentId>", 1),
            NoticeFormat.NoticeJson => Samples.JsonDocumentId().Replace(text, $"\"documentId\": \"{unique}\"", 1),
            _ => text,
        };
    }

    /// <summary>Text back to bytes the way the sample was written (Shift_JIS stays Shift_JIS, a BOM stays).</summary>
    public byte[] Encode(string text)
    {
        var bytes = Samples.IsUtf8(Bytes) ? Mutations.Utf8Loose(text) : Samples.ShiftJis.GetBytes(text); // lone surrogates stay broken
        return HasBom ? [.. Samples.Utf8Bom, .. bytes] : bytes;
    }

    /// <summary>The query a CSV sheet needs (its envelope); empty for the other formats.</summary>
    public string Query(string unique) => Sheet is null ? "" : $"sheet={Sheet}&documentId={unique}";
}

public static partial class Samples
{
    public static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    static Samples() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static Encoding ShiftJis => Encoding.GetEncoding(932);

    public static bool IsUtf8(byte[] bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    private static byte[] Read(params string[] path) => File.ReadAllBytes(Path.Combine([AppContext.BaseDirectory, .. path]));

    /// <summary>Every sample is accepted by the sample issuer (熊本市) as it stands; the tests check that first.</summary>
    public static IReadOnlyList<Sample> All { get; } =
    [
        new("cap/evacuation-order", NoticeFormat.Cap, Read("examples", "evacuation-order.xml"), "application/cap+xml"),
        new("cap/polygon-and-ward", NoticeFormat.Cap, Read("Corpus", "cap", "valid", "polygon-and-ward.xml"), "application/cap+xml"),
        new("cap/circle-only", NoticeFormat.Cap, Read("Corpus", "cap", "valid", "circle-only.xml"), "application/cap+xml"),
        new("cap/exercise-bilingual", NoticeFormat.Cap, Read("Corpus", "cap", "valid", "exercise-bilingual.xml"), "application/cap+xml"),
        new("notice-xml/evacuation", NoticeFormat.NoticeXml, Read("Corpus", "notice-xml", "valid", "evacuation.xml"), "application/vnd.alert-hub.notice+xml"),
        new("notice-xml/shelters", NoticeFormat.NoticeXml, Read("Corpus", "notice-xml", "valid", "shelters.xml"), "application/vnd.alert-hub.notice+xml"),
        new("notice-xml/general", NoticeFormat.NoticeXml, Read("Corpus", "notice-xml", "valid", "general.xml"), "application/xml"),
        new("notice-xml/damage", NoticeFormat.NoticeXml, Read("Corpus", "notice-xml", "valid", "damage.xml"), "application/vnd.alert-hub.notice+xml"),
        new("notice-xml/lifeline", NoticeFormat.NoticeXml, Read("Corpus", "notice-xml", "valid", "lifeline.xml"), "application/vnd.alert-hub.notice+xml"),
        new("notice-json/evacuation", NoticeFormat.NoticeJson, Read("Corpus", "notice-json", "valid", "evacuation.json"), "application/json"),
        new("notice-json/shelters", NoticeFormat.NoticeJson, Read("Corpus", "notice-json", "valid", "shelters.json"), "application/json"),
        new("notice-json/general", NoticeFormat.NoticeJson, Read("Corpus", "notice-json", "valid", "general.json"), "application/vnd.alert-hub.notice+json"),
        new("notice-json/disaster-hq", NoticeFormat.NoticeJson, Read("Corpus", "notice-json", "valid", "disaster-hq.json"), "application/json"),
        new("notice-json/damage", NoticeFormat.NoticeJson, Read("Corpus", "notice-json", "valid", "damage.json"), "application/json"),
        new("csv/districts.sjis", NoticeFormat.Csv, Read("csv-corpus", "valid", "districts.kumamoto.sjis.csv"), "text/csv", "evacuation-districts"),
        new("csv/status.utf8", NoticeFormat.Csv, Read("csv-corpus", "valid", "status.kumamoto.utf8.csv"), "text/csv", "shelter-status"),
        new("csv/lifeline.utf8-bom", NoticeFormat.Csv, Read("csv-corpus", "valid", "lifeline.kumamoto.utf8-bom.csv"), "text/csv", "lifeline-status"),
    ];

    public static Sample Get(string name) => All.Single(s => s.Name == name);

    private static int _unique;

    /// <summary>A fresh CAP identifier or documentId for a hand-written case (ids of generated ones come from their seeds).</summary>
    public static string Unique(string what) => $"hw-{what}-{Interlocked.Increment(ref _unique)}";

    [GeneratedRegex("<identifier>[^<]*</identifier>")]
    internal static partial Regex Identifier();

    [GeneratedRegex("<documentId>[^<]*</documentId>")]
    internal static partial Regex XmlDocumentId();

    [GeneratedRegex("\"documentId\"\\s*:\\s*\"[^\"]*\"")]
    internal static partial Regex JsonDocumentId();
}
