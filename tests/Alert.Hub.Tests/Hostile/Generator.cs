using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Alert.Hub.Tests.Hostile.Mutations;

namespace Alert.Hub.Tests.Hostile;

/// <summary>
/// Mutated notices made from the valid samples (CAP, native XML, native JSON, CSV sheets): for every sample, every
/// operator below, with seeds fixed by the sample's and the operator's place in their lists, so a run makes the same
/// cases byte for byte. Each case carries a fresh identifier or documentId, so a mutation that leaves the document
/// valid is a new notice (202 allowed when the dry run agrees), not a conflict with another case.
/// </summary>
public static class Generator
{
    private delegate string TextOp(string text, Sample sample, Random rng, out string what);

    private sealed record Operator(string Name, int Variants, Func<Sample, Random, string, HostileCase> Make);

    private static HostileCase Case(Sample sample, string unique, string what, byte[] body, string? contentType = null, string? query = null) =>
        new($"{sample.Name} {what}", body, contentType ?? sample.ContentType, query ?? sample.Query(unique)) { Source = sample.Name };

    private static Operator Text(string name, TextOp op, int variants = 1) => new(name, variants, (sample, rng, unique) =>
    {
        var text = op(sample.Text(unique), sample, rng, out var what);
        return Case(sample, unique, $"{name}: {what}", sample.Encode(text));
    });

    private static Operator Bytes(string name, Func<byte[], string, Sample, Random, (string What, byte[] Body)> op, int variants = 1) =>
        new(name, variants, (sample, rng, unique) =>
        {
            var text = sample.Text(unique);
            var (what, body) = op(sample.Encode(text), text, sample, rng);
            return Case(sample, unique, $"{name}: {what}", body);
        });

    private static readonly Operator[] Operators =
    [
        Bytes("truncate", (body, _, _, rng) => { var cut = Truncate(body, rng); return ($"at byte {cut.Length} of {body.Length}", cut); }),
        Bytes("flip bits", (body, _, _, rng) => ("1-8 random bits", FlipBits(body, rng)), variants: 2),
        Text("delete element", DeleteElement),
        Text("duplicate element", DuplicateElement),
        Text("delete attribute", DeleteAttribute),
        Text("duplicate attribute or key", DuplicateAttribute),
        Text("wrong type", WrongType, variants: 2),
        Text("invalid code", InvalidCode),
        Text("invalid date", InvalidDate),
        Text("huge value", HugeValue),
        Text("random unicode", RandomUnicode, variants: 2),
        Bytes("invalid UTF-8", (body, text, sample, rng) =>
        {
            var bad = InvalidUtf8[rng.Next(InvalidUtf8.Length)];
            var at = ByteOffset(sample, text, rng);
            return ($"{Convert.ToHexString(bad)} at byte {at}", Insert(body, at, bad));
        }),
        Bytes("BOM", (body, text, sample, rng) => Bom(text, body, rng)),
        Bytes("mixed encoding", (_, text, sample, rng) => MixedEncoding(text, sample.Format, rng)),
        new("content type", 2, (sample, rng, unique) =>
        {
            var type = ContentTypes[rng.Next(ContentTypes.Length)];
            return Case(sample, unique, $"content type: {(type is null ? "none" : type.Length > 60 ? type[..60] + "…" : type)}", sample.Encode(sample.Text(unique)), type);
        }),
        new("near-empty body", 1, (sample, rng, unique) =>
        {
            string[] bodies = ["", " ", "\n", "\0", "\uFEFF", "null", "{}", "[]", "<", "<?xml version=\"1.0\"?>", "\"\"", "0", "<alert/>", ",", "\r\n\r\n", "true"];
            var body = bodies[rng.Next(bodies.Length)];
            return Case(sample, unique, $"near-empty body '{body.Replace("\0", "\\0", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal)}'",
                Utf8Loose(body));
        }),
        new("splice", 1, (sample, rng, unique) =>
        {
            var mine = sample.Encode(sample.Text(unique));
            var other = Samples.All[rng.Next(Samples.All.Count)];
            var theirs = other.Encode(other.Text(unique + "-b"));
            var garbage = new byte[1 + rng.Next(64)];
            rng.NextBytes(garbage);
            return rng.Next(4) switch
            {
                0 => Case(sample, unique, "splice: the document twice", [.. mine, .. mine]),
                1 => Case(sample, unique, $"splice: followed by {other.Name}", [.. mine, .. theirs]),
                2 => Case(sample, unique, $"splice: {garbage.Length} random bytes after it", [.. mine, .. garbage]),
                _ => Case(sample, unique, $"splice: {garbage.Length} random bytes before it", [.. garbage, .. mine]),
            };
        }),
        Text("structure", Structure, variants: 2),
        Text("markup", MarkupInValue),
        Text("line endings and spacing", LineEndings),
        Text("near-valid", NearValid),
        new("query", 1, (sample, rng, unique) =>
        {
            string[] queries =
            [
                "sheet=evacuation-districts&documentId=../../etc/passwd", "sheet=gsi-emergency-sites&documentId=" + unique, "sheet=%00&documentId=%00",
                "sheet=evacuation-districts&documentId=" + new string('a', 129), "sheet=shelter-status&documentId=" + unique + "&revision=-1",
                "sheet=shelter-status&documentId=" + unique + "&revision=99999999999", "sheet=lifeline-status&documentId=" + unique + "&kind=7",
                "sheet=lifeline-status&documentId=" + unique + "&mode=Actual,Test", "sheet=evacuation-districts&documentId=" + unique + "&kind=Cancel&revision=2",
                "sheet=evacuation-districts&sheet=shelter-status&documentId=" + unique, "documentId=" + unique + "&documentId=x",
                "sheet=evacuation-districts&documentId=%E7%86%8A%E6%9C%AC", "profile=cap&partial=true&sheet=x", "sheet=shelter-status&documentId=" + unique + "&partial=yes&reason=%3Dcmd%7C%27%20%2FC%20calc%27%21A0",
            ];
            var query = queries[rng.Next(queries.Length)];
            return Case(sample, unique, $"query: ?{(query.Length > 80 ? query[..80] + "…" : query)}", sample.Encode(sample.Text(unique)), query: query);
        }),
        new("compound", 3, (sample, rng, unique) =>
        {
            TextOp[] ops = [DeleteElement, DuplicateElement, DeleteAttribute, DuplicateAttribute, WrongType, InvalidCode, InvalidDate, RandomUnicode, MarkupInValue, LineEndings, NearValid];
            var text = sample.Text(unique);
            var steps = new List<string>();
            for (var i = 1 + rng.Next(3); i >= 0; i--)
            {
                var op = ops[rng.Next(ops.Length)];
                try
                {
                    text = op(text, sample, rng, out var what);
                    steps.Add(what);
                }
                catch (ArgumentException) // an earlier step left nothing this one can work on (no element, no value)
                {
                    steps.Add($"{op.Method.Name} found nothing to change");
                }
            }
            var body = sample.Encode(text);
            switch (rng.Next(4))
            {
                case 0:
                    body = Truncate(body, rng);
                    steps.Add($"truncated at {body.Length}");
                    break;
                case 1:
                    body = FlipBits(body, rng);
                    steps.Add("bits flipped");
                    break;
            }
            return Case(sample, unique, "compound: " + string.Join(" + ", steps), body);
        }),
    ];

    /// <summary>Every generated case, in a fixed order.</summary>
    public static IReadOnlyList<HostileCase> Cases()
    {
        var cases = new List<HostileCase>();
        for (var s = 0; s < Samples.All.Count; s++)
        for (var o = 0; o < Operators.Length; o++)
        for (var v = 0; v < Operators[o].Variants; v++)
        {
            var seed = 1_000_003 * (s + 1) + 7_919 * (o + 1) + v; // fixed: the same cases every run
            var made = Operators[o].Make(Samples.All[s], new Random(seed), $"hostile-{s}-{o}-{v}");
            cases.Add(made with { Name = $"#{cases.Count + 1} seed {seed} {made.Name}" });
        }
        return cases;
    }

    // ---- text operators ---------------------------------------------------------------------------------------------

    private static string DeleteElement(string text, Sample sample, Random rng, out string what)
    {
        switch (sample.Format)
        {
            case NoticeFormat.NoticeJson:
                if (Json(text) is not { } root) return WrongType(text, sample, rng, out what); // an earlier step broke it
                var (parent, key, _) = Pick(Nodes(root).Where(n => n.Parent is JsonObject).ToList(), rng);
                ((JsonObject)parent!).Remove((string)key!);
                what = $"property '{key}' removed";
                return root.ToJsonString(Indented);
            case NoticeFormat.Csv:
                var lines = text.Split('\n').ToList();
                var line = rng.Next(lines.Count);
                if (rng.Next(2) == 0)
                {
                    lines.RemoveAt(line);
                    what = $"line {line + 1} removed";
                }
                else
                {
                    var cells = lines[line].Split(',').ToList();
                    var cell = rng.Next(cells.Count);
                    cells.RemoveAt(cell);
                    lines[line] = string.Join(',', cells);
                    what = $"cell {cell + 1} of line {line + 1} removed";
                }
                return string.Join('\n', lines);
            default:
                var element = Pick(AnyElement().Matches(text).Concat(LeafElement().Matches(text)).ToList(), rng);
                what = $"<{ElementName(element.Value)}> removed";
                return text.Remove(element.Index, element.Length);
        }
    }

    private static string DuplicateElement(string text, Sample sample, Random rng, out string what)
    {
        switch (sample.Format)
        {
            case NoticeFormat.NoticeJson:
                if (Json(text) is not { } root) return WrongType(text, sample, rng, out what);
                var arrays = Nodes(root).Where(n => n.Node is JsonArray { Count: > 0 }).ToList();
                if (arrays.Count == 0) return DuplicateAttribute(text, sample, rng, out what);
                var (_, key, node) = Pick(arrays, rng);
                var array = (JsonArray)node!;
                var copies = 1 + rng.Next(rng.Next(4) == 0 ? 3000 : 3);
                var item = array[rng.Next(array.Count)];
                for (var i = 0; i < copies; i++) array.Add(item?.DeepClone());
                what = $"an item of '{key}' repeated {copies} times";
                return root.ToJsonString(Indented);
            case NoticeFormat.Csv:
                var lines = text.Split('\n').ToList();
                var line = rng.Next(lines.Count);
                var times = 1 + rng.Next(rng.Next(4) == 0 ? 5000 : 3);
                lines.InsertRange(line, Enumerable.Repeat(lines[line], times));
                what = $"line {line + 1} repeated {times} times";
                return string.Join('\n', lines);
            default:
                var element = Pick(AnyElement().Matches(text).Concat(LeafElement().Matches(text)).ToList(), rng);
                var n = 1 + rng.Next(rng.Next(4) == 0 ? 2000 : 3);
                what = $"<{ElementName(element.Value)}> repeated {n} times";
                return text.Insert(element.Index + element.Length, string.Concat(Enumerable.Repeat(element.Value, n)));
        }
    }

    private static string DeleteAttribute(string text, Sample sample, Random rng, out string what)
    {
        switch (sample.Format)
        {
            case NoticeFormat.NoticeJson:
                if (Json(text) is not { } root) return WrongType(text, sample, rng, out what);
                var (parent, key, _) = Pick(Nodes(root).Where(n => n.Parent is JsonObject).ToList(), rng);
                parent![(string)key!] = null;
                what = $"'{key}' set to null";
                return root.ToJsonString(Indented);
            case NoticeFormat.Csv:
                var site = PickValue(Sites(text, sample.Format), rng);
                what = $"cell at {site.Start} emptied";
                return Replace(text, site, "");
            default:
                var attributes = Sites(text, sample.Format).Where(s => s.Kind == SiteKind.XmlAttribute).ToList();
                if (attributes.Count == 0) return DeleteElement(text, sample, rng, out what);
                var attribute = Pick(attributes, rng);
                var start = text.LastIndexOf(' ', attribute.Start);
                what = $"attribute {text[(start + 1)..(attribute.Start - 2)]} removed";
                return text.Remove(start, attribute.Start + attribute.Length + 1 - start);
        }
    }

    private static string DuplicateAttribute(string text, Sample sample, Random rng, out string what)
    {
        switch (sample.Format)
        {
            case NoticeFormat.NoticeJson:
                // Written by hand: a serializer will not write a key twice.
                if (Json(text) is not { } root) return WrongType(text, sample, rng, out what);
                var (parent, key, node) = Pick(Nodes(root).Where(n => n.Parent is JsonObject).ToList(), rng);
                var other = rng.Next(2) == 0 ? node?.ToJsonString() ?? "null" : JsonWrongTypes[rng.Next(JsonWrongTypes.Length)];
                var firstWins = rng.Next(2) == 0;
                what = $"key '{key}' twice ({(firstWins ? "other value first" : "other value last")}: {other})";
                return WriteWithDuplicate(root, (JsonObject)parent!, (string)key!, other, firstWins);
            case NoticeFormat.Csv:
                var lines = text.Split('\n');
                var header = lines[0].TrimEnd('\r').Split(',');
                var (from, to) = (rng.Next(header.Length), rng.Next(header.Length));
                header[to] = header[from];
                lines[0] = string.Join(',', header);
                what = $"header column {from + 1} also as column {to + 1}";
                return string.Join('\n', lines);
            default:
                var attributes = Sites(text, sample.Format).Where(s => s.Kind == SiteKind.XmlAttribute).ToList();
                if (attributes.Count == 0) return DuplicateElement(text, sample, rng, out what);
                var attribute = Pick(attributes, rng);
                var start = text.LastIndexOf(' ', attribute.Start);
                var whole = text[start..(attribute.Start + attribute.Length + 1)];
                what = $"attribute{whole} twice";
                return text.Insert(attribute.Start + attribute.Length + 1, whole);
        }
    }

    private static string WrongType(string text, Sample sample, Random rng, out string what)
    {
        var site = PickValue(Sites(text, sample.Format), rng);
        var value = site.Kind is SiteKind.JsonScalar or SiteKind.JsonString ? JsonWrongTypes[rng.Next(JsonWrongTypes.Length)] : Written(site, WrongTypes[rng.Next(WrongTypes.Length)]);
        what = $"'{Short(text.Substring(site.Start, site.Length))}' → '{value}'";
        return Replace(text, site, value);
    }

    private static string InvalidCode(string text, Sample sample, Random rng, out string what) =>
        ReplaceMatch(text, sample, rng, CodeRegex().Matches(text), InvalidCodes, (found, value) => $"code {found} → '{value}'", out what);

    private static string InvalidDate(string text, Sample sample, Random rng, out string what) =>
        ReplaceMatch(text, sample, rng, DateRegex().Matches(text), InvalidDates, (found, value) => $"{found} → '{value}'", out what);

    /// <summary>One of the matches replaced by one of the values, as the format writes it; without a match, a wrong type instead.</summary>
    private static string ReplaceMatch(string text, Sample sample, Random rng, System.Text.RegularExpressions.MatchCollection matches, string[] values,
        Func<string, string, string> describe, out string what)
    {
        if (matches.Count == 0) return WrongType(text, sample, rng, out what);
        var match = matches[rng.Next(matches.Count)];
        var value = Inside(sample.Format, values[rng.Next(values.Length)]);
        what = describe(match.Value, value);
        return text.Remove(match.Index, match.Length).Insert(match.Index, value);
    }

    private static string HugeValue(string text, Sample sample, Random rng, out string what)
    {
        var site = PickValue(Sites(text, sample.Format), rng);
        var value = Huge(rng);
        what = $"'{Short(text.Substring(site.Start, site.Length))}' → {value.Length:N0} × '{value[0]}'";
        return Replace(text, site, site.Kind == SiteKind.JsonScalar && value[0] == '9' ? value : Written(site, value));
    }

    private static string RandomUnicode(string text, Sample sample, Random rng, out string what)
    {
        var site = PickValue(Sites(text, sample.Format), rng);
        var nasty = NastyText(rng);
        // In JSON: half the time escaped (valid syntax, hostile content), half raw; elsewhere raw.
        var insert = site.Kind is SiteKind.JsonString or SiteKind.JsonKey && rng.Next(2) == 0 ? JsonString(nasty)[1..^1] : nasty;
        var at = site.Kind is SiteKind.JsonString or SiteKind.JsonKey ? site.Start + 1 + rng.Next(Math.Max(1, site.Length - 1)) : site.Start + rng.Next(site.Length + 1);
        what = $"{Escaped(insert)} inserted at {at}";
        return text.Insert(Math.Min(at, text.Length), insert);
    }

    private static string MarkupInValue(string text, Sample sample, Random rng, out string what)
    {
        var site = PickValue(Sites(text, sample.Format), rng);
        var markup = Markup(site.Kind, rng);
        var at = site.Start + rng.Next(site.Length + 1);
        what = $"{Escaped(markup)} inserted at {at}";
        return text.Insert(at, markup);
    }

    private static string LineEndings(string text, Sample sample, Random rng, out string what)
    {
        switch (rng.Next(6))
        {
            case 0: what = "LF → CR"; return text.Replace("\n", "\r", StringComparison.Ordinal);
            case 1: what = "LF → CR LF"; return text.Replace("\n", "\r\n", StringComparison.Ordinal);
            case 2: what = "LF → U+2028"; return text.Replace("\n", "\u2028", StringComparison.Ordinal);
            case 3: what = "LF → U+0085"; return text.Replace("\n", "\u0085", StringComparison.Ordinal);
            case 4: what = "one line"; return text.Replace("\n", "", StringComparison.Ordinal);
            default:
                var site = PickValue(Sites(text, sample.Format), rng);
                string[] spaces = ["  ", "\t", "\u3000", "\u00A0", "\r\n ", "\u200B"];
                var space = spaces[rng.Next(spaces.Length)];
                var inside = site.Kind is SiteKind.JsonString or SiteKind.JsonKey;
                what = $"{Escaped(space)} around a value";
                var value = text.Substring(site.Start, site.Length);
                var spaced = inside ? value[0] + (space == "\r\n " ? "\\r\\n " : space) + value[1..^1] + (space == "\r\n " ? "\\r\\n " : space) + value[^1] : space + value + space;
                return Replace(text, site, spaced);
        }
    }

    /// <summary>Changes a valid document might survive: other case, full-width digits, Z for +09:00, a trailing zero.</summary>
    private static string NearValid(string text, Sample sample, Random rng, out string what)
    {
        (string From, string To)[] edits =
        [
            ("Actual", "ACTUAL"), ("actual", "Actual"), ("Public", "public"), ("+09:00", "Z"), ("431001", "４３１００１"), ("431010", "43101"),
            ("431001", "43100"), ("Alert", "alert"), ("issue", "Issue"), ("evacuation", "Evacuation"), ("<level>4</level>", "<level>４</level>"),
            ("\"level\": \"4\"", "\"level\": \"避難指示\""), ("ja-JP", "ja"), ("Immediate", "Expected"), ("1.0", "1.1"), ("2026", "1999"),
            ("熊本市", "熊本市\u3000"), ("4,", "レベル4,"), ("洪水", "flood"), ("開設", "open"), ("停電", "POWER"), ("+09:00", "+9:00"),
        ];
        var applicable = edits.Where(e => text.Contains(e.From, StringComparison.Ordinal)).ToList();
        if (applicable.Count == 0) return LineEndings(text, sample, rng, out what);
        var (from, to) = applicable[rng.Next(applicable.Count)];
        what = $"'{from}' → '{to}'";
        var index = text.IndexOf(from, StringComparison.Ordinal);
        return rng.Next(2) == 0 ? text.Replace(from, to, StringComparison.Ordinal) : text.Remove(index, from.Length).Insert(index, to);
    }

    private static string Structure(string text, Sample sample, Random rng, out string what)
    {
        switch (sample.Format)
        {
            case NoticeFormat.NoticeJson:
                switch (rng.Next(6))
                {
                    case 0: what = "wrapped in an array"; return $"[{text}]";
                    case 1: what = "as a JSON string"; return JsonString(text);
                    case 2: what = "an unknown property"; return text.Insert(text.IndexOf('{') + 1, "\"$type\": \"System.IO.FileInfo\", ");
                    case 3: what = "body category unknown"; return text.Replace("\"category\": \"", "\"category\": \"x", StringComparison.Ordinal);
                    case 4: what = "body category last"; return MoveCategoryLast(text);
                    default: what = "$ref metadata"; return text.Insert(text.IndexOf('{') + 1, "\"$id\": \"1\", \"$ref\": \"1\", ");
                }
            case NoticeFormat.Csv:
                var lines = text.Split('\n').ToList();
                switch (rng.Next(6))
                {
                    case 0: what = "header removed"; lines.RemoveAt(0); break;
                    case 1: what = "header only"; lines = [lines[0]]; break;
                    case 2: what = "an unknown column"; lines = lines.Select((l, i) => l.TrimEnd('\r') + (i == 0 ? ",備考" : ",x")).ToList(); break;
                    case 3:
                        what = "first two columns swapped";
                        lines = lines.Select(l => l.Split(',') is { Length: > 1 } c ? string.Join(',', [c[1], c[0], .. c[2..]]) : l).ToList();
                        break;
                    case 4: what = "semicolons for commas"; lines = lines.Select(l => l.Replace(',', ';')).ToList(); break;
                    default: what = "tabs for commas"; lines = lines.Select(l => l.Replace(',', '\t')).ToList(); break;
                }
                return string.Join('\n', lines);
            default:
                var root = sample.Format == NoticeFormat.Cap ? "urn:oasis:names:tc:emergency:cap:1.2" : "urn:alert-hub:notice:1";
                switch (rng.Next(8))
                {
                    case 0: what = "CAP 1.1 namespace"; return text.Replace(root, "urn:oasis:names:tc:emergency:cap:1.1", StringComparison.Ordinal);
                    case 1: what = "no namespace"; return text.Replace($" xmlns=\"{root}\"", "", StringComparison.Ordinal);
                    case 2: what = "the other format's namespace"; return text.Replace(root, sample.Format == NoticeFormat.Cap ? "urn:alert-hub:notice:1" : "urn:oasis:names:tc:emergency:cap:1.2", StringComparison.Ordinal);
                    case 3: what = "a second root element"; return text + "\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>";
                    case 4: what = "text before the root"; return XmlDeclaration().Replace(text, m => m.Value + "\nhello", 1);
                    case 5: what = "an unknown element first"; return text.Insert(text.IndexOf('>', text.IndexOf("xmlns=", StringComparison.Ordinal)) + 1, "\n  <unknown xmlns=\"urn:x\">1</unknown>");
                    case 6: what = "XML declaration removed"; return XmlDeclaration().Replace(text, "", 1);
                    default: what = "declaration after a blank line"; return "\n" + text;
                }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------------

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The text as JSON, or null when an earlier mutation already broke it.</summary>
    private static JsonNode? Json(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    private static T Pick<T>(IReadOnlyList<T> items, Random rng) =>
        items.Count > 0 ? items[rng.Next(items.Count)] : throw new ArgumentException("nothing to pick from", nameof(items));

    private static List<(JsonNode? Parent, object? Key, JsonNode? Node)> Nodes(JsonNode root)
    {
        var all = new List<(JsonNode?, object?, JsonNode?)>();
        void Walk(JsonNode? parent, object? key, JsonNode? node)
        {
            all.Add((parent, key, node));
            switch (node)
            {
                case JsonObject o:
                    foreach (var (k, v) in o) Walk(o, k, v);
                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++) Walk(a, i, a[i]);
                    break;
            }
        }
        Walk(null, null, root);
        return all.Where(n => n.Item1 is not null).ToList();
    }

    private static string WriteWithDuplicate(JsonNode root, JsonObject target, string key, string other, bool otherFirst)
    {
        var b = new StringBuilder();
        void Write(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    b.Append('{');
                    var first = true;
                    foreach (var (k, v) in o)
                    {
                        void Property(string value)
                        {
                            if (!first) b.Append(", ");
                            first = false;
                            b.Append(JsonString(k)).Append(": ").Append(value);
                        }
                        if (ReferenceEquals(o, target) && k == key)
                        {
                            var own = new StringBuilder();
                            (var saved, b) = (b, own);
                            Write(v);
                            b = saved;
                            if (otherFirst) { Property(other); Property(own.ToString()); }
                            else { Property(own.ToString()); Property(other); }
                        }
                        else
                        {
                            if (!first) b.Append(", ");
                            first = false;
                            b.Append(JsonString(k)).Append(": ");
                            Write(v);
                        }
                    }
                    b.Append('}');
                    break;
                case JsonArray a:
                    b.Append('[');
                    for (var i = 0; i < a.Count; i++)
                    {
                        if (i > 0) b.Append(", ");
                        Write(a[i]);
                    }
                    b.Append(']');
                    break;
                default:
                    b.Append(node?.ToJsonString(Indented) ?? "null");
                    break;
            }
        }
        Write(root);
        return b.ToString();
    }

    private static string MoveCategoryLast(string text)
    {
        if (Json(text) is not JsonObject root || root["body"] is not JsonObject body || body["category"] is not { } category) return text;
        body.Remove("category");
        body["category"] = category;
        return root.ToJsonString(Indented);
    }

    /// <summary>A value written inside a site of the format (escaped for XML and JSON; codes and dates hold no comma).</summary>
    private static string Inside(NoticeFormat format, string value) => format switch
    {
        NoticeFormat.NoticeJson => JsonString(value)[1..^1],
        NoticeFormat.Csv => value,
        _ => value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal),
    };

    /// <summary>The byte offset of a random place inside a value (after encoding the text before it the way the sample is encoded).</summary>
    private static int ByteOffset(Sample sample, string text, Random rng)
    {
        var site = PickValue(Sites(text, sample.Format), rng);
        var at = site.Start + rng.Next(site.Length + 1);
        return sample.Encode(text[..at]).Length;
    }

    private static string ElementName(string element) => element[1..].Split([' ', '>', '/', '\n'], 2)[0];

    private static string Short(string text) => text.Length > 40 ? text[..40] + "…" : text;

    private static string Escaped(string text) =>
        string.Concat(text.Select(c => c < 0x20 || c is '\u007F' or '\u0085' or '\u2028' or '\u2029' || char.IsSurrogate(c) || c >= '\uFFF0' ? $"\\u{(int)c:X4}" : c.ToString()));
}
