using System.Text.Json.Nodes;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Core.Notices;
using Alert.Core.Rendering;
using Alert.Geo;
using Alert.Hub.Alerts;
using Alert.Hub.Feeds;

namespace Alert.Hub.Layers;

/// <summary>
/// Life-support map layers: the places of the general notices in force (water points, baths, free Wi-Fi, charging,
/// relief supplies, offices) and the open shelters of shelters notices, as GeoJSON per municipality or ward and layer.
/// Public and cacheable like the feeds: maps on residents' phones poll them at the worst moment.
/// </summary>
public static class LayersApi
{
    /// <summary>The layers by their name in the path, and the kind of place each shows; null: shelters.</summary>
    public static readonly IReadOnlyDictionary<string, PlaceKind?> Layers = new Dictionary<string, PlaceKind?>
    {
        ["shelters"] = null, ["water-points"] = PlaceKind.WaterPoint, ["baths"] = PlaceKind.Bath, ["wifi"] = PlaceKind.Wifi,
        ["charging"] = PlaceKind.Charging, ["relief-supplies"] = PlaceKind.ReliefSupplies, ["offices"] = PlaceKind.Office,
        ["other"] = PlaceKind.Other,
    };

    public static IEndpointRouteBuilder MapLayers(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/layers/{code}/{layer}", Get).WithTags("Alerts");
        return app;
    }

    /// <summary><c>/api/v1/layers/431001/water-points</c>; <c>?status=</c> as for alerts (Actual when not given).</summary>
    private static IResult Get(string code, string layer, string? status, HttpContext context, ActiveAlerts alerts, Gazetteer gazetteer)
    {
        var problems = new List<Problem>();
        var mode = QueryChecks.Status(status, problems);
        var area = QueryChecks.Area(code, gazetteer, problems);
        if (!Layers.TryGetValue(layer, out var kind))
            problems.Add(new Problem("request.path.layer", "/layer", null, null,
                $"レイヤー「{layer}」はありません。{string.Join("、", Layers.Keys)} のいずれかを指定してください。",
                $"There is no layer '{layer}'; ask for one of {string.Join(", ", Layers.Keys)}."));
        if (problems.Count > 0) return QueryChecks.Invalid(problems);

        var now = DateTimeOffset.UtcNow;
        var features = kind is null
            ? alerts.SheltersIn(area!, mode!, now).Select(s => Feature(s.Lat, s.Lng, s.Alert, new JsonObject
            {
                ["name"] = s.Shelter.Name, ["state"] = PhraseKey.Kebab(s.Shelter.Status), ["address"] = s.Shelter.Address,
                ["capacity"] = s.Shelter.Capacity, ["present"] = s.Shelter.Present,
                ["hazards"] = new JsonArray(s.Shelter.Hazards.Select(h => (JsonNode)PhraseKey.Kebab(h)).ToArray()),
            }))
            : alerts.PlacesIn(area!, mode!, now).Where(p => (p.Place.Kind ?? PlaceKind.Other) == kind).Select(p => Feature(p.Lat, p.Lng, p.Alert, new JsonObject
            {
                ["name"] = p.Place.Name, ["state"] = PhraseKey.Kebab(p.Place.State ?? PlaceState.Open), ["address"] = p.Place.Address,
                ["hours"] = p.Place.Hours,
            }));
        var collection = new JsonObject
        {
            ["type"] = "FeatureCollection",
            ["layer"] = layer,
            ["area"] = new JsonObject { ["code"] = LocalGovernmentCode.Parse(area!.Code).WithCheckDigit, ["name"] = area.Name },
            ["status"] = mode,
            ["features"] = new JsonArray(features.ToArray()),
        };
        var body = System.Text.Encoding.UTF8.GetBytes(collection.ToJsonString(Areas.AreasApi.Readable)); // Japanese stays readable
        var etag = FeedsApi.StrongTag(body);
        context.Response.GetTypedHeaders().ETag = etag;
        context.Response.Headers.CacheControl = FeedsApi.CacheControl;
        return FeedsApi.Matches(context.Request, etag)
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(body, "application/geo+json; charset=utf-8");
    }

    /// <summary>A point (GeoJSON: longitude first) and what it is, with the notice that says so.</summary>
    private static JsonObject Feature(double lat, double lng, ActiveAlert alert, JsonObject properties)
    {
        properties["notice"] = alert.Id;
        properties["revision"] = alert.Revision;
        properties["headline"] = alert.Headline;
        properties["sent"] = Core.Cap.CapWriter.Time(alert.Sent);
        return new JsonObject
        {
            ["type"] = "Feature",
            ["geometry"] = new JsonObject { ["type"] = "Point", ["coordinates"] = new JsonArray(lng, lat) },
            ["properties"] = properties,
        };
    }
}
