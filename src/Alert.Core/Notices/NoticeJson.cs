using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace Alert.Core.Notices;

/// <summary>
/// The notice as JSON, for web forms and app developers: the same model as the XML, camelCase, enums as
/// strings, the body tagged by its category ({"envelope": …, "body": {"category": "evacuation", "districts": […]}}).
/// schemas/notice/notice-1.schema.json describes it.
/// </summary>
public static class NoticeJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false), new TimeWithOffset() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        NumberHandling = JsonNumberHandling.Strict, // a count is a number, not "412"
        MaxDepth = 16,
        // Two values for one key are two readings of one notice: a receiver taking the first would act on what the hub
        // never checked. And the body's category may come anywhere in it, as JSON objects have no order.
        AllowDuplicateProperties = false,
        AllowOutOfOrderMetadataProperties = true,
        // What the model does not mark nullable must be present: a notice without a documentId is refused, not defaulted.
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                type =>
                {
                    foreach (var property in type.Properties)
                        property.IsRequired = property.AssociatedParameter is not null && property.IsSetNullable is false
                            && Nullable.GetUnderlyingType(property.PropertyType) is null;
                },
            },
        },
    };

    public static string Write(Notice notice) => JsonSerializer.Serialize(notice, Options);

    /// <summary>
    /// The JSON Schema of this format, derived from the model and these options, so it cannot drift from what is
    /// read. schemas/notice/notice-1.schema.json is this text (a test keeps them equal). The rules of
    /// <see cref="NoticeRules"/> apply on top, as for XML.
    /// </summary>
    public static string Schema()
    {
        var schema = JsonSchemaExporter.GetJsonSchemaAsNode(Options, typeof(Notice), new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            // "required" exactly as the reader enforces it (the modifier above), not every constructor parameter.
            TransformSchemaNode = (context, node) =>
            {
                // Times go through TimeWithOffset, which the exporter cannot see into.
                if (context.TypeInfo.Type == typeof(DateTimeOffset) || context.TypeInfo.Type == typeof(DateTimeOffset?))
                    return new JsonObject { ["type"] = "string", ["format"] = "date-time", ["pattern"] = "(Z|[+-][0-9]{2}:[0-9]{2})$" };
                if (context.TypeInfo.Kind == JsonTypeInfoKind.Object && node is JsonObject { } obj && obj.ContainsKey("properties"))
                {
                    var required = context.TypeInfo.Properties.Where(p => p.IsRequired).Select(p => (JsonNode?)p.Name).ToArray();
                    obj.Remove("required");
                    if (required.Length > 0) obj["required"] = new JsonArray(required);
                }
                return node;
            },
        });
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "urn:alert-hub:notice:1:json",
            ["title"] = "Alert hub notice, version 1 (JSON)",
        };
        foreach (var (key, value) in schema.AsObject().ToList())
        {
            schema.AsObject().Remove(key);
            root[key] = value;
        }
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n"; // a file for people: "+" stays "+"
    }

    public static NoticeReadResult Read(string json) => Read(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    public static NoticeReadResult Read(Stream body)
    {
        using var copy = new MemoryStream();
        body.CopyTo(copy);
        var json = copy.ToArray();
        Notice? notice;
        try
        {
            notice = JsonSerializer.Deserialize<Notice>(json, Options);
        }
        catch (NotSupportedException ex)
        {
            // The body's category is missing: the serializer cannot tell which kind of body it is.
            var at = new SourceLocation("$.body", null, null);
            return new NoticeReadResult(null, [Problem.At("notice.json", at,
                $"body に category（evacuation、shelters など）がないため、どの種類の通知か分かりません: {ex.Message}",
                $"The body has no category (evacuation, shelters, …), so its kind cannot be told: {ex.Message}")], WellFormed: false);
        }
        catch (JsonException ex)
        {
            var at = new SourceLocation(ex.Path ?? "$", (int?)ex.LineNumber + 1, (int?)ex.BytePositionInLine + 1);
            return new NoticeReadResult(null, [Problem.At("notice.json", at,
                $"JSON として読めないか、通知の形になっていません（{at.Path}、{at.Line} 行）: {ex.Message}",
                $"Not valid JSON, or not shaped as a notice (at {at.Path}, line {at.Line}): {ex.Message}")], WellFormed: false);
        }

        if (notice is null)
            return new NoticeReadResult(null, [Problem.At("notice.json", new SourceLocation("$", 1, 1), "通知がありません（null）。", "No notice (null).")], false);
        // Positions are only worth finding when something is wrong: most notices are valid.
        var lines = new Lazy<Dictionary<string, SourceLocation>>(() => Lines(json));
        var problems = NoticeRules.Check(notice, path => lines.Value.GetValueOrDefault(JsonPath(path))).ToList();
        return problems.Count == 0 ? new NoticeReadResult(notice, [], true) : new NoticeReadResult(null, problems, true);
    }

    /// <summary>
    /// Times must say their offset ("+09:00", or "Z"): System.Text.Json would otherwise read "2026-07-01T03:00:00" in
    /// the server's own zone, and a notice would silently move by nine hours.
    /// </summary>
    private sealed class TimeWithOffset : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString() ?? "";
            var hasOffset = text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
            return hasOffset && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var time)
                ? time
                : throw new JsonException($"'{text}' is not a date-time with its offset, e.g. 2026-07-01T03:00:00+09:00.");
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Where each value stands: JSON path → line and column, so rule problems point at a line as they do for XML
    /// (System.Text.Json keeps no positions once a document is read).
    /// </summary>
    private static Dictionary<string, SourceLocation> Lines(byte[] json)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < json.Length; i++)
            if (json[i] == (byte)'\n') starts.Add(i + 1);
        SourceLocation At(string path, long offset)
        {
            var line = starts.BinarySearch((int)offset);
            line = line >= 0 ? line : ~line - 1;
            return new SourceLocation(path, line + 1, (int)offset - starts[line] + 1);
        }

        var map = new Dictionary<string, SourceLocation>();
        var frames = new Stack<(bool IsArray, string Path, int Next)>();
        var property = "$";
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = Options.MaxDepth });
        while (reader.Read())
        {
            string Here()
            {
                if (frames.Count == 0) return "$";
                if (!frames.Peek().IsArray) return property;
                var (isArray, path, next) = frames.Pop();
                frames.Push((isArray, path, next + 1));
                return $"{path}[{next}]";
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    property = $"{frames.Peek().Path}.{reader.GetString()}";
                    map[property] = At(property, reader.TokenStartIndex);
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    var container = Here();
                    map.TryAdd(container, At(container, reader.TokenStartIndex));
                    frames.Push((reader.TokenType == JsonTokenType.StartArray, container, 0));
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    frames.Pop();
                    break;
                default:
                    var value = Here();
                    map.TryAdd(value, At(value, reader.TokenStartIndex));
                    break;
            }
        }
        return map;
    }

    /// <summary>"Body.Districts[0].Level" → "$.body.districts[0].level".</summary>
    private static string JsonPath(string rulePath) =>
        "$." + string.Join('.', rulePath.Split('.').Select(step => step.Length == 0 ? step : char.ToLowerInvariant(step[0]) + step[1..]));
}
