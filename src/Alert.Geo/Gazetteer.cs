using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text.Json;
using Alert.Core.Codes;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Geometries.Utilities;
using NetTopologySuite.Index.Strtree;
using NetTopologySuite.Operation.Union;

namespace Alert.Geo;

public static class Shapes
{
    /// <summary>The union of shapes; one shape is returned as it is (a union of one still costs a full overlay), none gives null.</summary>
    public static Geometry? Union(IReadOnlyList<Geometry> shapes) => shapes.Count switch
    {
        0 => null,
        1 => shapes[0],
        _ => UnaryUnionOp.Union(shapes),
    };
}

/// <summary>A municipality or a designated city's ward: the smallest unit the boundary data has a polygon for.</summary>
public sealed record Municipality(string Code, string Prefecture, string? County, string Name, Geometry Geometry)
{
    /// <summary>Point-in-polygon for this boundary; thread-safe, its index built on first use.</summary>
    public IndexedPointInAreaLocator Locator { get; } = new(Geometry);

    public bool Covers(Coordinate point) => Geometry.EnvelopeInternal.Covers(point) && Locator.Locate(point) != Location.Exterior;

    private readonly Lazy<Geometry> _boundary = new(() => Geometry.Boundary);

    /// <summary>The boundary lines (outer and inner rings): a square they do not cross lies wholly inside or outside.</summary>
    public Geometry Boundary => _boundary.Value;

    public string FullName => County is { } c && c.EndsWith('市') ? $"{Prefecture}{c}{Name}" : $"{Prefecture}{Name}";
}

/// <summary>
/// What a code covers: its own name, the municipalities and wards inside it (a designated city is the union of
/// its wards; a prefecture of its municipalities) and the union of their boundaries, computed once when first asked.
/// </summary>
public sealed class Area(string code, string name, IReadOnlyList<Municipality> parts)
{
    private readonly Lazy<Geometry> _geometry = new(() => Shapes.Union(parts.Select(p => p.Geometry).ToList())!);
    private readonly Lazy<HashSet<string>> _partCodes = new(() => parts.Select(p => p.Code).ToHashSet(StringComparer.Ordinal));

    public string Code { get; } = code;
    public string Name { get; } = name;
    public IReadOnlyList<Municipality> Parts { get; } = parts;
    public IEnumerable<string> PartCodes => Parts.Select(p => p.Code);

    /// <summary>
    /// Whether a municipality or ward is inside this area. Asked for every open stream on every notice, and of every
    /// subscriber's filter on every fan-out: one lookup, where scanning a prefecture's parts is some fifty.
    /// </summary>
    public bool HasPart(string code) => _partCodes.Value.Contains(code);

    /// <summary>The codes of the parts, as a set made once per area (an issuer's scope, checked on every submission).</summary>
    public IReadOnlySet<string> PartCodeSet => _partCodes.Value;
    public Geometry Geometry => _geometry.Value;
}

/// <summary>
/// Every prefecture, municipality and ward of Japan with its boundary, from the bundled N03 data.
/// Lookups are by code, by name and by point (an STRtree of the municipalities' envelopes, then point-in-polygon).
/// </summary>
public sealed class Gazetteer
{
    private readonly Dictionary<string, Area> _areas;
    private readonly STRtree<Municipality> _byEnvelope = new();
    private readonly ConcurrentDictionary<int, GridCell> _grid = new();

    private Gazetteer(Dictionary<string, Area> areas, List<Municipality> municipalities)
    {
        _areas = areas;
        Municipalities = municipalities;
        foreach (var m in municipalities) _byEnvelope.Insert(m.Geometry.EnvelopeInternal, m);
        _inside = municipalities.ToDictionary(m => m.Code, m => new GridCell(m, [m]));
        _byEnvelope.Build(); // built before anyone queries: a built STRtree is read-only, so queries may run in parallel
    }

    /// <summary>Every municipality and ward (designated cities and prefectures are areas made of these).</summary>
    public IReadOnlyList<Municipality> Municipalities { get; }

    public int MunicipalityCount => Municipalities.Count;

    /// <summary>Every area the data knows: prefectures, designated cities, municipalities and wards.</summary>
    public IEnumerable<Area> Areas => _areas.Values;

    public static Gazetteer LoadBundled()
    {
        using var stream = typeof(Gazetteer).Assembly.GetManifestResourceStream("Alert.Geo.municipalities.geojson.gz")
            ?? throw new InvalidOperationException("bundled municipal boundaries are missing");
        return Load(new GZipStream(stream, CompressionMode.Decompress));
    }

    public static Gazetteer Load(Stream geoJson)
    {
        var factory = new GeometryFactory(new PrecisionModel(), 4326);
        using var json = JsonDocument.Parse(geoJson);
        var pieces = new List<(string Code, string Prefecture, string? County, string Name, Geometry Geometry)>();
        foreach (var feature in json.RootElement.GetProperty("features").EnumerateArray())
        {
            var properties = feature.GetProperty("properties");
            // N03_007 is null for areas whose ownership is undetermined (e.g. some lakes); they belong to no one to alert.
            if (properties.GetProperty("N03_007").GetString() is not { Length: 5 } code) continue;
            pieces.Add((code, properties.GetProperty("N03_001").GetString()!, properties.GetProperty("N03_003").GetString(),
                properties.GetProperty("N03_004").GetString()!, ReadGeometry(factory, feature.GetProperty("geometry"))));
        }

        // A municipality can come as several features (islands); simplification can leave slivers: fix, then union.
        var municipalities = pieces.GroupBy(p => p.Code).Select(g =>
        {
            var first = g.First();
            var geometry = Shapes.Union(g.Select(p => GeometryFixer.Fix(p.Geometry)).ToList())!;
            return new Municipality(g.Key, first.Prefecture, first.County, first.Name, geometry);
        }).ToList();

        var areas = municipalities.ToDictionary(m => m.Code, m => new Area(m.Code, m.FullName, [m]));

        // Designated cities have no polygon of their own: a ward's N03_003 names its city; the city's code is the
        // lowest ward code rounded down to ten (熊本市 43100 ← 43101–43105, 川崎市 14130 ← 14131–14137).
        foreach (var city in municipalities.Where(m => m.County is { } c && c.EndsWith('市') && m.Name.EndsWith('区'))
                     .GroupBy(m => (m.Prefecture, m.County)))
        {
            var wards = city.OrderBy(w => w.Code, StringComparer.Ordinal).ToList();
            var cityCode = wards[0].Code[..4] + "0";
            areas.TryAdd(cityCode, new Area(cityCode, city.Key.Prefecture + city.Key.County, wards));
        }

        foreach (var prefecture in municipalities.GroupBy(m => m.Code[..2]))
            areas.Add(prefecture.Key, new Area(prefecture.Key, prefecture.First().Prefecture, prefecture.OrderBy(m => m.Code, StringComparer.Ordinal).ToList()));

        return new Gazetteer(areas, municipalities);
    }

    /// <summary>Prefectures, designated cities, municipalities and wards whose full name contains the text (for completion).</summary>
    public IEnumerable<Area> Search(string text)
    {
        var key = TownIndex.Normalize(text);
        return _areas.Values.Where(a => TownIndex.Normalize(a.Name).Contains(key, StringComparison.Ordinal))
            .OrderBy(a => a.Name.Length).ThenBy(a => a.Code, StringComparer.Ordinal);
    }

    /// <summary>
    /// The municipality or ward whose boundary covers the point, or null at sea and abroad. Neighbours share their
    /// boundary line; a point exactly on it goes to the lower code, so every point has one answer.
    /// </summary>
    public Municipality? At(double lat, double lng) => At(lat, lng, out _, out _);

    /// <summary>
    /// Japan as a grid of squares 1/256° a side (about 430 × 360 m), each learnt on first use: the municipalities whose
    /// boundary meets it, and whether it lies wholly inside one. Most inhabited squares do, and a point there is answered
    /// by one dictionary look; a square a boundary crosses tests its few municipalities in code order. Squares inside
    /// a municipality share one record, so a learnt square costs a dictionary entry; past <see cref="MaxSquares"/>
    /// squares (far more than Japan's inhabited ones) points are answered without learning more.
    /// </summary>
    private sealed record GridCell(Municipality? Whole, Municipality[] Candidates);

    public const int GridPerDegree = 256;
    public const int MaxSquares = 2_000_000;
    private int _squares;
    private readonly Dictionary<string, GridCell> _inside;
    private const double GridSouth = 20, GridWest = 122, GridNorth = 46, GridEast = 154; // every municipality lies inside

    /// <summary>
    /// <see cref="At(double, double)"/>, also giving the grid square of the point and whether that square lies wholly
    /// inside the municipality found (then anything known of the square holds for every point in it).
    /// </summary>
    internal Municipality? At(double lat, double lng, out int square, out bool whole)
    {
        (square, whole) = (SquareOf(lat, lng), false);
        if (square < 0) return null;
        if (!_grid.TryGetValue(square, out var cell))
        {
            cell = Learn(square);
            if (_squares < MaxSquares && _grid.TryAdd(square, cell)) Interlocked.Increment(ref _squares);
        }
        if (cell.Whole is { } inside)
        {
            whole = true;
            return inside;
        }
        var point = new Coordinate(lng, lat);
        foreach (var m in cell.Candidates)
            if (m.Locator.Locate(point) != Location.Exterior) return m; // lowest code first: a shared line goes to it
        return null;
    }

    /// <summary>The grid square a point lies in, or -1 outside the grid (which holds every municipality).</summary>
    internal static int SquareOf(double lat, double lng) =>
        lat is < GridSouth or >= GridNorth || lng is < GridWest or >= GridEast ? -1
            : (int)((lat - GridSouth) * GridPerDegree) * ((int)(GridEast - GridWest) * GridPerDegree) + (int)((lng - GridWest) * GridPerDegree);

    /// <summary>The square a grid number stands for, as a rectangle polygon (NTS tests rectangles against shapes quickly).</summary>
    internal static Geometry Square(int square)
    {
        var columns = (int)(GridEast - GridWest) * GridPerDegree;
        var (south, west) = (GridSouth + (double)(square / columns) / GridPerDegree, GridWest + (double)(square % columns) / GridPerDegree);
        return Factory.ToGeometry(new Envelope(west, west + 1.0 / GridPerDegree, south, south + 1.0 / GridPerDegree));
    }

    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    private GridCell Learn(int square)
    {
        var rectangle = Square(square);
        var candidates = _byEnvelope.Query(rectangle.EnvelopeInternal).Where(m => rectangle.Intersects(m.Geometry))
            .OrderBy(m => m.Code, StringComparer.Ordinal).ToArray();
        return candidates.Length == 1 && !rectangle.Intersects(candidates[0].Boundary) ? _inside[candidates[0].Code] : new GridCell(null, candidates);
    }

    /// <summary>
    /// The municipalities and wards a drawn shape (a CAP polygon or circle) covers part of, lowest code first. The
    /// boundaries are simplified, so an overlap under 1 % of both the shape and the municipality is a sliver of that
    /// simplification at a border, not a town the issuer meant.
    /// </summary>
    public IEnumerable<Municipality> Under(Geometry shape)
    {
        var area = shape.Area;
        // The shape is prepared once and tested against each boundary. A municipality wholly inside it is under it
        // whatever the 1 % rule says, so only those its edge crosses need an intersection: a 300 km circle lies over
        // hundreds of municipalities, and intersecting every one of them cost a tenth of a second or more a circle.
        var prepared = PreparedGeometryFactory.Prepare(shape);
        return _byEnvelope.Query(shape.EnvelopeInternal).Where(m => prepared.Intersects(m.Geometry))
            .Where(m => prepared.Covers(m.Geometry)
                || m.Geometry.Intersection(shape).Area is var shared && (shared > 0.01 * area || shared > 0.01 * m.Geometry.Area))
            .OrderBy(m => m.Code, StringComparer.Ordinal);
    }

    /// <summary>The area a code covers, or null when the bundled data does not know the code.</summary>
    public Area? Find(LocalGovernmentCode code) => _areas.GetValueOrDefault(code.Value);

    private static Geometry ReadGeometry(GeometryFactory factory, JsonElement geometry)
    {
        var coordinates = geometry.GetProperty("coordinates");
        return geometry.GetProperty("type").GetString() switch
        {
            "Polygon" => ReadPolygon(factory, coordinates),
            "MultiPolygon" => factory.CreateMultiPolygon(coordinates.EnumerateArray().Select(p => ReadPolygon(factory, p)).ToArray()),
            var other => throw new InvalidDataException($"unexpected geometry type {other} in municipal boundaries"),
        };
    }

    private static Polygon ReadPolygon(GeometryFactory factory, JsonElement rings)
    {
        var linear = rings.EnumerateArray().Select(ring => factory.CreateLinearRing(ring.EnumerateArray()
            .Select(p => new Coordinate(p[0].GetDouble(), p[1].GetDouble())).ToArray())).ToArray();
        return factory.CreatePolygon(linear[0], linear[1..]);
    }
}
