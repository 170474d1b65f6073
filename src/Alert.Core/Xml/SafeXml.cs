using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;

namespace Alert.Core.Xml;

/// <summary>
/// The one way the hub reads XML from outside: no DTD, no external resources, bounded size, depth and counts,
/// line numbers kept; and schema errors turned into problems a desk can act on, in Japanese and English.
/// </summary>
public static partial class SafeXml
{
    /// <summary>
    /// The hub's default bound on a notice in bytes: a character takes at least a byte, so a document within that bound
    /// is never refused for its length in characters.
    /// </summary>
    public const int MaxDocumentChars = 1_048_576;

    /// <summary>Notices nest a handful of levels; anything far deeper is an attack on the parser (validation recurses per level).</summary>
    public const int MaxDepth = 32;

    public const int MaxElements = 20_000;
    public const int MaxAttributesPerElement = 32;

    static SafeXml() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance); // Shift_JIS documents

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = MaxDocumentChars,
        MaxCharactersFromEntities = 0,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
    };

    public static XmlSchemaSet LoadSchema(string resourceName, Assembly? assembly = null)
    {
        var set = new XmlSchemaSet { XmlResolver = null };
        using var stream = (assembly ?? typeof(SafeXml).Assembly).GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"{resourceName} is not embedded");
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        set.Add(XmlSchema.Read(reader, null)!);
        set.Compile();
        return set;
    }

    /// <summary>
    /// The namespace of the root element, read from the first element only (no full parse): how a plain
    /// application/xml body tells a native notice from CAP. Null when not even that can be read.
    /// </summary>
    public static string? RootNamespace(byte[] body)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body), Settings);
            return reader.MoveToContent() == XmlNodeType.Element ? reader.NamespaceURI : null;
        }
        catch (XmlException)
        {
            return null;
        }
    }

    // What an XML signature covers: canonicalization keeps processing instructions, so the DOM a signature is
    // checked or made on must keep them too (comments are dropped by the canonicalizations the hub allows).
    private static readonly XmlReaderSettings ExactSettings = ExactCopy();

    private static XmlReaderSettings ExactCopy()
    {
        var exact = Settings.Clone();
        exact.IgnoreProcessingInstructions = false;
        return exact;
    }

    /// <summary>
    /// Whether a document the hub writes reads back through <see cref="Load(Stream)"/>: what the hub stores, it reads
    /// again under the bounds of anything from outside, and a document written from a notice can outgrow the notice.
    /// </summary>
    public static bool ReadsBack(byte[] xml) => Load(new MemoryStream(xml)).Refusal is null;

    /// <summary>Loads a document with line information, or says why it cannot be read (never both).</summary>
    public static (XDocument? Document, Problem? Refusal) Load(Stream body) =>
        Load(body, Settings, reader => XDocument.Load(reader, LoadOptions.SetLineInfo));

    /// <summary>
    /// Loads a document as XML-DSig works on it (a DOM with every white space kept), under the same limits as
    /// <see cref="Load(Stream)"/>, or says why it cannot be read.
    /// </summary>
    public static (XmlDocument? Document, Problem? Refusal) LoadExact(Stream body) =>
        Load(body, ExactSettings, reader =>
        {
            var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
            document.Load(reader);
            return document;
        });

    private static (T? Document, Problem? Refusal) Load<T>(Stream body, XmlReaderSettings settings, Func<XmlReader, T> build) where T : class
    {
        if (!body.CanSeek)
        {
            var copy = new MemoryStream();
            body.CopyTo(copy);
            body = copy;
            body.Position = 0;
        }

        var start = body.Position;
        try
        {
            // A first pass bounds the shape before anything is built or validated.
            using (var scan = XmlReader.Create(body, Settings))
            {
                var elements = 0;
                while (scan.Read())
                {
                    if (scan.NodeType != XmlNodeType.Element) continue;
                    var limit = scan.Depth > MaxDepth ? ("xml.too-deep", $"入れ子が深すぎます（{MaxDepth} 段まで）", $"nested too deeply (at most {MaxDepth} levels)")
                        : ++elements > MaxElements ? ("xml.too-many-elements", $"要素が多すぎます（{MaxElements:N0} 個まで）", $"too many elements (at most {MaxElements:N0})")
                        : scan.AttributeCount > MaxAttributesPerElement ? ("xml.too-many-attributes", $"属性が多すぎます（1 要素に {MaxAttributesPerElement} 個まで）", $"too many attributes (at most {MaxAttributesPerElement} on one element)")
                        : default;
                    if (limit.Item1 is null) continue;
                    var position = (IXmlLineInfo)scan;
                    return (null, Problem.At(limit.Item1, new SourceLocation("/", position.LineNumber, position.LinePosition),
                        $"XML の{limit.Item2}。通知の文書ではありません。", $"The XML is {limit.Item3}; this is not a notice."));
                }
            }
            body.Position = start;
            using var reader = XmlReader.Create(body, settings);
            return (build(reader), null);
        }
        catch (XmlException ex)
        {
            // The refusal of a DTD carries no position: find the DOCTYPE in the text so the desk is told where it is.
            var at = ex.LineNumber > 0 ? new SourceLocation("/", ex.LineNumber, ex.LinePosition) : Find(body, start, "<!DOCTYPE");
            if (ex.Message.Contains(nameof(XmlReaderSettings.MaxCharactersInDocument), StringComparison.Ordinal))
                return (null, Problem.At("xml.too-large", new SourceLocation("/", null, null),
                    $"XML が長すぎます（{MaxDocumentChars:N0} 文字まで）。", $"The XML is too long (at most {MaxDocumentChars:N0} characters)."));
            return (null, ex.Message.Contains("DTD", StringComparison.Ordinal)
                ? Problem.At("xml.dtd", at,
                    "DTD（<!DOCTYPE>）を含む XML は受け付けません。DOCTYPE 宣言を削除してください。",
                    "XML with a DTD (<!DOCTYPE>) is not accepted; remove the DOCTYPE declaration.")
                : Problem.At("xml.malformed", at,
                    $"XML として読めません（{at.Line} 行 {at.Column} 桁）: {ex.Message}",
                    $"Not well-formed XML at line {at.Line}, column {at.Column}: {ex.Message}"));
        }
    }

    /// <summary>
    /// Validates against <paramref name="schema"/>, adding a problem per error. Codes are <c>{prefix}.schema.*</c>;
    /// <paramref name="schemaName"/> names the schema in the messages ("CAP 1.2").
    /// </summary>
    public static void Validate(XDocument document, XmlSchemaSet schema, string prefix, string schemaName, List<Problem> problems) =>
        document.Validate(schema, (sender, e) => problems.Add(SchemaProblem(sender as XObject, e, prefix, schemaName)), addSchemaInfo: false);

    // .NET reports schema errors in English only; the common cases are recognised to give the desk Japanese that says what to fix.
    private static Problem SchemaProblem(XObject? node, ValidationEventArgs e, string prefix, string schemaName)
    {
        var at = node is null ? null : Locate(node);
        var message = e.Message;
        var expected = ExpectedRegex().Match(message) is { Success: true } m ? Names(m.Groups[1].Value) : null;
        var element = node is XElement el ? el.Name.LocalName : (node as XAttribute)?.Name.LocalName ?? "?";

        if (message.Contains("has invalid child element", StringComparison.Ordinal))
        {
            var child = InvalidChildRegex().Match(message) is { Success: true } c ? c.Groups[1].Value : "?";
            return Problem.At($"{prefix}.schema.unexpected-element", at,
                expected is null
                    ? $"要素 <{child}> はここには置けません（{schemaName} にない要素か、順序が違います）。"
                    : $"要素 <{child}> はここには置けません。必須要素が欠けているか順序が違います。ここに来るべき要素: {expected}",
                expected is null
                    ? $"Element <{child}> is not allowed here (not in {schemaName}, or out of order)."
                    : $"Element <{child}> is not allowed here: a required element is missing or the order is wrong. Expected here: {expected}.");
        }

        if (message.Contains("has incomplete content", StringComparison.Ordinal))
        {
            return Problem.At($"{prefix}.schema.missing-element", at,
                $"<{element}> に必須の要素がありません。不足している要素: {expected ?? "?"}",
                $"<{element}> is missing a required element. Expected: {expected ?? "?"}.");
        }

        if (message.Contains("Enumeration constraint failed", StringComparison.Ordinal)
            || message.Contains("Pattern constraint failed", StringComparison.Ordinal)
            || message.Contains("invalid according to its datatype", StringComparison.Ordinal)
            || message.Contains("constraint failed", StringComparison.Ordinal)
            || message.Contains("does not equal its fixed value", StringComparison.Ordinal))
        {
            var value = node is XElement v ? v.Value : (node as XAttribute)?.Value;
            return Problem.At($"{prefix}.schema.invalid-value", at,
                $"<{element}> の値「{value}」は {schemaName} で許されていません（列挙値・範囲・日時形式などを確認してください）。",
                $"Value '{value}' of <{element}> is not allowed by {schemaName} (check the allowed values, range or date-time format). {message}");
        }

        if (message.Contains("attribute is not declared", StringComparison.Ordinal) || message.Contains("required attribute", StringComparison.Ordinal))
        {
            return Problem.At($"{prefix}.schema.attribute", at,
                $"<{element}> の属性に誤りがあります（不明な属性か、必須の属性がありません）: {message}",
                $"An attribute of <{element}> is wrong (unknown, or a required one is missing): {message}");
        }

        return Problem.At($"{prefix}.schema", at, $"{schemaName} スキーマに適合しません: {message}", $"Not valid {schemaName}: {message}");
    }

    private static string Names(string list) =>
        string.Join(", ", list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct());

    // "List of possible elements expected: 'source, scope' in namespace 'urn:…'."
    [GeneratedRegex(@"List of possible elements expected: '([^']*)'")]
    private static partial Regex ExpectedRegex();

    [GeneratedRegex(@"invalid child element '([^']+)'")]
    private static partial Regex InvalidChildRegex();

    private static SourceLocation Find(Stream body, long start, string marker)
    {
        body.Position = start;
        using var text = new StreamReader(body, leaveOpen: true);
        var number = 0;
        while (text.ReadLine() is { } line)
        {
            number++;
            var column = line.IndexOf(marker, StringComparison.Ordinal);
            if (column >= 0) return new SourceLocation("/", number, column + 1);
        }
        return new SourceLocation("/", null, null);
    }
    /// <summary>/alert/info[2]/area/geocode[1]/value (for any document): an index only where an element has same-named siblings.</summary>
    public static SourceLocation Locate(XObject node)
    {
        var element = node as XElement ?? node.Parent;
        var steps = new Stack<string>();
        if (node is XAttribute attribute) steps.Push("@" + attribute.Name.LocalName);
        for (var e = element; e is not null; e = e.Parent)
        {
            var same = e.Parent?.Elements(e.Name).ToList();
            steps.Push(same is { Count: > 1 } ? $"{e.Name.LocalName}[{same.IndexOf(e) + 1}]" : e.Name.LocalName);
        }
        var info = (IXmlLineInfo)node;
        return new SourceLocation("/" + string.Join('/', steps), info.HasLineInfo() ? info.LineNumber : null,
            info.HasLineInfo() ? info.LinePosition : null);
    }
}
