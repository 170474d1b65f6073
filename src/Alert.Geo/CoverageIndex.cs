using System.Collections.Concurrent;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace Alert.Geo;

/// <summary>
/// Things that cover parts of Japan (notices in force), found by point or by area. A point finds its municipality or
/// ward through the gazetteer, whose bucket here lists what touches it; an item covering whole municipalities needs
/// no further test, one drawn smaller (town cells, polygons, circles) is tested against its own shape with an indexed
/// point-in-polygon locator (the index a prepared geometry uses; a plain ring test for small shapes). Immutable once built, so any number of threads may
/// query it; a change builds a new index and swaps it in whole.
/// </summary>
public sealed class CoverageIndex<T>
{
    /// <param name="PartCodes">The municipalities and wards the item touches (routing's codes).</param>
    /// <param name="Shape">Its own shape when it covers less than whole parts; null when it covers them whole.</param>
    public sealed record Item(T Value, IReadOnlyList<string> PartCodes, Geometry? Shape)
    {
        // An index pays off for long boundaries; a town cell or a circle has a few dozen points, and testing them all
        // directly is quicker than querying an index about them.
        internal IPointOnGeometryLocator? Locator { get; } = Shape is null ? null
            : Shape.NumPoints > 256 ? new IndexedPointInAreaLocator(Shape) : new SimplePointInAreaLocator(Shape);

        /// <summary>Its shape's rings: a grid square they do not cross lies wholly inside or outside the shape.</summary>
        internal Geometry? Boundary { get; } = Shape?.Boundary;
    }

    /// <summary>A bucket cut to one grid square: what misses the square is left out; <c>Test</c> is false for what covers it.</summary>
    private sealed record SquarePlan(string Code, (Item Item, bool Test)[] Entries);

    private readonly Gazetteer _gazetteer;
    private readonly Dictionary<string, Item[]> _byPart;
    // Drawn shapes by envelope, with their place in the order, for points no municipality covers: a circle reaches out
    // to sea, and the simplified boundaries cut off beaches and harbours where people still need the warning.
    private readonly STRtree<(Item Item, int Order)> _drawn = new();
    // Per grid square lying wholly in one municipality, learnt on first use: most points then need no point-in-polygon test.
    private readonly ConcurrentDictionary<int, SquarePlan> _bySquare = new();
    private int _squares;

    /// <summary>
    /// Items in the order answers should list them (most severe first): each bucket keeps that order. Square plans of
    /// <paramref name="previous"/> whose municipality's bucket is unchanged are kept, so a new notice costs only its own parts.
    /// </summary>
    public CoverageIndex(Gazetteer gazetteer, IEnumerable<Item> items, CoverageIndex<T>? previous = null)
    {
        _gazetteer = gazetteer;
        var list = items.ToList();
        foreach (var (item, order) in list.Select((item, order) => (item, order)).Where(x => x.item.Shape is not null))
            _drawn.Insert(item.Shape!.EnvelopeInternal, (item, order));
        _drawn.Build();
        _byPart = list.SelectMany(i => i.PartCodes.Select(code => (Code: code, Item: i)))
            .GroupBy(x => x.Code, x => x.Item)
            .ToDictionary(g => g.Key, g => g.ToArray());
        if (previous is null) return;
        var same = new Dictionary<string, bool>();
        bool Unchanged(string code) => same.TryGetValue(code, out var known) ? known
            : same[code] = (previous._byPart.GetValueOrDefault(code) ?? []).SequenceEqual(_byPart.GetValueOrDefault(code) ?? [], ReferenceEqualityComparer.Instance);
        foreach (var (square, plan) in previous._bySquare)
            if (Unchanged(plan.Code) && _bySquare.TryAdd(square, plan)) _squares++;
    }

    /// <summary>The items covering a point, in index order, that <paramref name="keep"/> accepts; at sea, only drawn shapes can.</summary>
    public List<T> At(double lat, double lng, Func<T, bool> keep)
    {
        var result = new List<T>();
        Coordinate? point = null;
        bool Covers(Item item) => item.Locator is not { } shape || shape.Locate(point ??= new Coordinate(lng, lat)) != Location.Exterior;

        // A square learnt before answers in one look, without asking the gazetteer again.
        var square = Gazetteer.SquareOf(lat, lng);
        if (!_bySquare.TryGetValue(square, out var plan))
        {
            var municipality = _gazetteer.At(lat, lng, out _, out var whole);
            if (municipality is null)
            {
                point = new Coordinate(lng, lat);
                result.AddRange(_drawn.Query(new Envelope(point)).Where(x => keep(x.Item.Value) && Covers(x.Item)).OrderBy(x => x.Order).Select(x => x.Item.Value));
                return result;
            }
            var items = _byPart.GetValueOrDefault(municipality.Code) ?? [];
            if (!whole)
            {
                foreach (var item in items)
                    if (keep(item.Value) && Covers(item)) result.Add(item.Value);
                return result;
            }
            plan = Plan(square, municipality.Code, items);
            if (_squares < Gazetteer.MaxSquares && _bySquare.TryAdd(square, plan)) Interlocked.Increment(ref _squares);
        }
        foreach (var (item, test) in plan.Entries)
            if (keep(item.Value) && (!test || Covers(item))) result.Add(item.Value);
        return result;
    }

    private static SquarePlan Plan(int square, string code, Item[] items)
    {
        var rectangle = Gazetteer.Square(square);
        return new SquarePlan(code, items.Where(i => i.Shape is null || rectangle.Intersects(i.Shape))
            .Select(i => (i, i.Shape is not null && rectangle.Intersects(i.Boundary!))).ToArray());
    }

    /// <summary>The items touching any part of an area, each once, in the order they were given per part.</summary>
    public IEnumerable<T> In(Area area) =>
        area.PartCodes.SelectMany(code => _byPart.GetValueOrDefault(code) ?? []).Select(i => i.Value).Distinct();
}
