using System.Collections.Concurrent;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace Alert.Geo;

/// <summary>
/// Things that cover parts of Japan (notices in force), found by point or by area. A point finds its municipality or
/// ward through the gazetteer, whose bucket here lists what touches it; an item covering whole municipalities needs
/// no further test, one drawn smaller (town cells, polygons, circles) is tested against its own shape with an indexed
/// point-in-polygon locator, the index a prepared geometry uses. Immutable once built, so any number of threads may
/// query it; a change builds a new index and swaps it in whole.
/// </summary>
public sealed class CoverageIndex<T>
{
    /// <param name="PartCodes">The municipalities and wards the item touches (routing's codes).</param>
    /// <param name="Shape">Its own shape when it covers less than whole parts; null when it covers them whole.</param>
    public sealed record Item(T Value, IReadOnlyList<string> PartCodes, Geometry? Shape)
    {
        internal IndexedPointInAreaLocator? Locator { get; } = Shape is null ? null : new IndexedPointInAreaLocator(Shape);

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
        var unchanged = _byPart.Where(p => previous._byPart.TryGetValue(p.Key, out var old) && old.SequenceEqual(p.Value, ReferenceEqualityComparer.Instance))
            .Select(p => p.Key).ToHashSet();
        foreach (var (square, plan) in previous._bySquare)
            if (unchanged.Contains(plan.Code) && _bySquare.TryAdd(square, plan)) _squares++;
    }

    /// <summary>The items covering a point, in index order, that <paramref name="keep"/> accepts; at sea, only drawn shapes can.</summary>
    public List<T> At(double lat, double lng, Func<T, bool> keep)
    {
        var result = new List<T>();
        Coordinate? point = null;
        var municipality = _gazetteer.At(lat, lng, out var square, out var whole);
        if (municipality is null)
        {
            point = new Coordinate(lng, lat);
            result.AddRange(_drawn.Query(new Envelope(point)).Where(x => keep(x.Item.Value) && x.Item.Locator!.Locate(point) != Location.Exterior)
                .OrderBy(x => x.Order).Select(x => x.Item.Value));
            return result;
        }
        if (!_byPart.TryGetValue(municipality.Code, out var items)) return result;
        bool Covers(Item item) => item.Locator is not { } shape || shape.Locate(point ??= new Coordinate(lng, lat)) != Location.Exterior;
        if (whole)
        {
            if (!_bySquare.TryGetValue(square, out var plan))
            {
                plan = Plan(square, municipality.Code, items);
                if (_squares < Gazetteer.MaxSquares && _bySquare.TryAdd(square, plan)) Interlocked.Increment(ref _squares);
            }
            foreach (var (item, test) in plan.Entries)
                if (keep(item.Value) && (!test || Covers(item))) result.Add(item.Value);
        }
        else
        {
            foreach (var item in items)
                if (keep(item.Value) && Covers(item)) result.Add(item.Value);
        }
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
