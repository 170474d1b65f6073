using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Alert.Core.Codes;
using Alert.Geo;
using Microsoft.AspNetCore.Http.HttpResults;
using NetTopologySuite.Geometries;

namespace Alert.Hub.Areas;

/// <summary>
/// Places as GeoJSON for maps and forms: a prefecture, city, municipality or ward by code; a town's cell (labelled
/// approximate: town polygons are not published, cells are built from town points); name completion; addresses to
/// points and points to places.
/// Public: this is reference data, the same for everyone.
/// </summary>
public static class AreasApi
{
    public static RouteGroupBuilder MapAreas(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/areas").WithTags("Areas");
        // Before "/{code}", which would take "search", "geocode" and "at" for codes.
        group.MapGet("/search", Search);
        group.MapGet("/geocode", Geocode);
        group.MapGet("/at", At);
        group.MapGet("/{code}", GetArea);
        group.MapGet("/{code}/towns", GetTowns);
        group.MapGet("/{code}/towns/{name}", GetTown);
        return group;
    }

    private static Results<ContentHttpResult, ProblemHttpResult> GetArea(string code, Gazetteer gazetteer)
    {
        if (Find(code, gazetteer) is not { } found) return Unknown(code);
        var (area, parsed) = found;
        return Feature(area.Geometry, new JsonObject
        {
            ["code"] = parsed.WithCheckDigit,
            ["name"] = area.Name,
            ["parts"] = new JsonArray(area.PartCodes.Select(p => (JsonNode)LocalGovernmentCode.Parse(p).WithCheckDigit).ToArray()),
            ["approximate"] = false,
        });
    }

    private static Results<ContentHttpResult, ProblemHttpResult> GetTown(string code, string name, Gazetteer gazetteer, TownIndex towns)
    {
        if (Find(code, gazetteer) is not { } found) return Unknown(code);
        var match = towns.Find(found.Area, name);
        if (!match.Found)
        {
            var (ja, en) = NearestNames(match.Candidates);
            return HubProblems.One(StatusCodes.Status404NotFound, "geo.district.unknown",
                $"「{name}」は {found.Area.Name} の町丁目・大字にありません。{ja}", $"'{name}' is not a town of {found.Area.Name}. {en}");
        }
        // A town split by a ward boundary is one district: the union of its cells.
        var shape = Shapes.Union(match.Towns.Select(t => towns.Cell(t, gazetteer)).ToList())!;
        return Feature(shape, new JsonObject
        {
            ["name"] = match.Towns[0].Name,
            ["municipalities"] = new JsonArray(match.Towns.Select(t => (JsonNode)LocalGovernmentCode.Parse(t.MunicipalityCode).WithCheckDigit).Distinct().ToArray()),
            ["points"] = new JsonArray(match.Towns.Select(t => (JsonNode)new JsonArray(t.Lng, t.Lat)).ToArray()),
            ["approximate"] = true, // a Voronoi cell of town points, not a surveyed boundary
        });
    }

    /// <summary>Cells are fixed by the bundled data, and a city's hundreds of them take a moment to write: kept per code.</summary>
    private static readonly ConcurrentDictionary<string, string> TownCells = new();

    /// <summary>
    /// Every town of an area with its approximate cell, in one answer: what a desk's map draws. A designated city's
    /// towns are those of all its wards; a town split by a ward boundary is one feature, as in <see cref="GetTown"/>.
    /// </summary>
    private static Results<ContentHttpResult, ProblemHttpResult> GetTowns(string code, Gazetteer gazetteer, TownIndex towns)
    {
        if (Find(code, gazetteer) is not { } found) return Unknown(code);
        var (area, parsed) = found;
        var json = TownCells.GetOrAdd(parsed.WithCheckDigit, _ => new JsonObject
        {
            ["type"] = "FeatureCollection",
            ["properties"] = new JsonObject { ["code"] = parsed.WithCheckDigit, ["name"] = area.Name, ["approximate"] = true },
            ["features"] = new JsonArray(area.Parts.SelectMany(towns.In).GroupBy(t => t.Key).Select(same => (JsonNode)new JsonObject
            {
                ["type"] = "Feature",
                ["geometry"] = GeoJson(Shapes.Union(same.Select(t => towns.Cell(t, gazetteer)).ToList())!),
                ["properties"] = new JsonObject
                {
                    ["name"] = same.First().Name,
                    ["point"] = new JsonArray(same.First().Lng, same.First().Lat),
                    ["approximate"] = true, // Voronoi cells of town points, not surveyed boundaries
                },
            }).ToArray()),
        }.ToJsonString(Readable));
        return TypedResults.Content(json, "application/geo+json");
    }

    public sealed record Geocoded(string Address, double Lat, double Lng, string Precision, string Code, string Municipality, string? Town,
        IReadOnlyList<string> Candidates);

    /// <summary>
    /// An address to a point, as precise as the town (its representative point) or only the municipality (a point inside
    /// it, with the nearest town names). <paramref name="code"/>, say the issuer's area, fills in a municipality the address leaves out.
    /// </summary>
    private static Results<Ok<Geocoded>, ProblemHttpResult> Geocode(string? address, string? code, Gazetteer gazetteer, Addresses addresses)
    {
        if (string.IsNullOrWhiteSpace(address))
            return HubProblems.One(StatusCodes.Status400BadRequest, "request.query.address", "?address= に住所を入れてください。", "Give the address in ?address=.", "?address");
        Area? within = null;
        if (code is not null)
        {
            if (Find(code, gazetteer) is not { } found) return Unknown(code);
            within = found.Area;
        }

        var match = addresses.Locate(address, within);
        if (match.Area is not { } area || match.Point is not { } point)
        {
            var (ja, en) = NearestNames(match.Candidates);
            var problem = HubProblems.One(StatusCodes.Status404NotFound, "geo.address.unresolved",
                $"住所「{address}」の場所を一つに決められません。{ja}", $"Address '{address}' does not resolve to one place. {en}", "?address");
            problem.ProblemDetails.Extensions["candidates"] = match.Candidates; // for a form to offer them
            return problem;
        }
        return TypedResults.Ok(new Geocoded(address, point.Lat, point.Lng, match.Precision.ToString().ToLowerInvariant(), match.Code!, area.Name,
            match.Town?.Name, match.Candidates));
    }

    public sealed record Place(double Lat, double Lng, string Code, string Municipality, string? Town, bool Approximate);

    /// <summary>The municipality or ward covering a point, and the town whose approximate cell holds it.</summary>
    private static Results<Ok<Place>, ProblemHttpResult> At(string? lat, string? lng, Gazetteer gazetteer, TownIndex towns)
    {
        var (latOk, y) = Degrees(lat, 90);
        var (lngOk, x) = Degrees(lng, 180);
        if (!latOk || !lngOk)
            return HubProblems.One(StatusCodes.Status400BadRequest, "request.query.point",
                "?lat= と ?lng= に緯度（−90〜90）と経度（−180〜180）を十進の度で入れてください。",
                "Give ?lat= (−90 to 90) and ?lng= (−180 to 180) in decimal degrees.", latOk ? "?lng" : "?lat");
        if (gazetteer.At(y, x) is not { } municipality)
            return HubProblems.One(StatusCodes.Status404NotFound, "geo.point.outside",
                $"地点 ({y}, {x}) はどの市区町村の境界にも入りません（海上または国外）。", $"Point ({y}, {x}) lies in no municipality (at sea or abroad).");
        // The town is approximate: the nearest town point, which is whose Voronoi cell holds the point, not a surveyed boundary.
        return TypedResults.Ok(new Place(y, x, LocalGovernmentCode.Parse(municipality.Code).WithCheckDigit, municipality.FullName,
            towns.Nearest(municipality, y, x)?.Name, Approximate: true));
    }

    private static (bool Ok, double Value) Degrees(string? text, double limit) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && Math.Abs(value) <= limit ? (true, value) : (false, 0);

    internal static (string Ja, string En) NearestNames(IReadOnlyList<string> names) => names.Count == 0 ? ("", "")
        : ($"近い名前: {string.Join("、", names)}", $"Nearest names: {string.Join(", ", names)}");

    public sealed record Suggestion(string Kind, string Name, string? Code);

    /// <summary>Completion for the desk form: areas by name anywhere in Japan, or towns of <paramref name="code"/> by their start.</summary>
    private static Results<Ok<IReadOnlyList<Suggestion>>, ProblemHttpResult> Search(string? q, string? code, Gazetteer gazetteer, TownIndex towns)
    {
        if (string.IsNullOrWhiteSpace(q))
            return HubProblems.One(StatusCodes.Status400BadRequest, "request.query.q", "?q= に検索する名前を入れてください。", "Give the name to search for in ?q=.", "?q");
        if (code is null)
            return TypedResults.Ok<IReadOnlyList<Suggestion>>(gazetteer.Search(q).Take(20)
                .Select(a => new Suggestion("area", a.Name, LocalGovernmentCode.Parse(a.Code).WithCheckDigit)).ToList());
        if (Find(code, gazetteer) is not { } found) return Unknown(code);
        return TypedResults.Ok<IReadOnlyList<Suggestion>>(towns.Search(found.Area, q).Select(t => t.Name).Distinct().Take(20)
            .Select(n => new Suggestion("town", n, null)).ToList());
    }

    private static (Area Area, LocalGovernmentCode Code)? Find(string code, Gazetteer gazetteer) =>
        LocalGovernmentCode.TryParse(code, out var parsed, out _) && gazetteer.Find(parsed) is { } area ? (area, parsed) : null;

    private static ProblemHttpResult Unknown(string code) => HubProblems.One(StatusCodes.Status404NotFound, "code.unknown",
        $"地方公共団体コード「{code}」に該当する地域がありません（境界データは 2021-01-01 時点）。",
        $"No area has local government code '{code}' (boundaries as of 2021-01-01).");

    private static ContentHttpResult Feature(Geometry geometry, JsonObject properties) =>
        TypedResults.Content(new JsonObject
        {
            ["type"] = "Feature",
            ["geometry"] = GeoJson(geometry),
            ["properties"] = properties,
        }.ToJsonString(Readable), "application/geo+json");

    internal static readonly System.Text.Json.JsonSerializerOptions Readable = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    /// <summary>Polygons and multipolygons as GeoJSON ([lng, lat], WGS 84): the only shapes areas have.</summary>
    internal static JsonObject GeoJson(Geometry geometry)
    {
        static JsonArray Ring(LineString ring) => new(ring.Coordinates.Select(c => (JsonNode)new JsonArray(c.X, c.Y)).ToArray());
        static JsonArray Polygon(Polygon p) => new([Ring(p.ExteriorRing), .. p.InteriorRings.Select(Ring)]);
        return geometry switch
        {
            Polygon p => new JsonObject { ["type"] = "Polygon", ["coordinates"] = Polygon(p) },
            _ => new JsonObject
            {
                ["type"] = "MultiPolygon",
                ["coordinates"] = new JsonArray(Enumerable.Range(0, geometry.NumGeometries).Select(i => geometry.GetGeometryN(i))
                    .OfType<Polygon>().Select(p => (JsonNode)Polygon(p)).ToArray()),
            },
        };
    }
}
