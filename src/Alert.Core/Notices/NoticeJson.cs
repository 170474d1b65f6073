using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
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
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        MaxDepth = 16,
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

    public static NoticeReadResult Read(string json) => Read(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    public static NoticeReadResult Read(Stream body)
    {
        Notice? notice;
        try
        {
            notice = JsonSerializer.Deserialize<Notice>(body, Options);
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
        var problems = NoticeRules.Check(notice, path => new SourceLocation(JsonPath(path), null, null)).ToList();
        return problems.Count == 0 ? new NoticeReadResult(notice, [], true) : new NoticeReadResult(null, problems, true);
    }

    /// <summary>"Body.Districts[0].Level" → "$.body.districts[0].level".</summary>
    private static string JsonPath(string rulePath) =>
        "$." + string.Join('.', rulePath.Split('.').Select(step => step.Length == 0 ? step : char.ToLowerInvariant(step[0]) + step[1..]));
}
