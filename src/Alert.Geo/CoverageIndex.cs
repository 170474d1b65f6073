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
/// query it; a change (<see cref="With"/>) makes a new index, sharing what it did not touch, to be swapped in whole.
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
    private readonly IComparer<Item> _order;
    // Each municipality's and ward's bucket, in the index's order.
    private readonly Dictionary<string, Item[]> _byPart;
    // Drawn shapes by envelope, for points no municipality covers: a circle reaches out to sea, and the simplified
    // boundaries cut off beaches and harbours where people still need the warning.
    private readonly Item[] _drawnItems;
    private readonly STRtree<Item> _drawn;
    // Per grid square lying wholly in one municipality, learnt on first use: most points then need no point-in-polygon test.
    private readonly ConcurrentDictionary<int, SquarePlan> _bySquare = new();
    private int _squares;

    /// <summary>An empty index whose answers list items in <paramref name="order"/> (most severe first, say).</summary>
    public CoverageIndex(Gazetteer gazetteer, IComparer<T> order)
        : this(gazetteer, Comparer<Item>.Create((a, b) => order.Compare(a.Value, b.Value)), [], [], null) { }

    /// <param name="tree">The tree of <paramref name="drawn"/> when it is the one already built; null to build one.</param>
    private CoverageIndex(Gazetteer gazetteer, IComparer<Item> order, Dictionary<string, Item[]> byPart, Item[] drawn, STRtree<Item>? tree)
    {
        (_gazetteer, _order, _byPart, _drawnItems) = (gazetteer, order, byPart, drawn);
        if (tree is null)
        {
            tree = new STRtree<Item>();
            foreach (var item in drawn) tree.Insert(item.Shape!.EnvelopeInternal, item);
            tree.Build();
        }
        _drawn = tree;
    }

    /// <summary>
    /// A new index: this one with <paramref name="removed"/> (the very items given before) taken out and
    /// <paramref name="added"/> put in (an item in both is out). Only the buckets of their own parts are rebuilt, and squares learnt in every other
    /// municipality are kept, so a change costs what it touches rather than every notice in force; this index stays as
    /// it was for whoever is reading it.
    /// </summary>
    public CoverageIndex<T> With(IReadOnlyCollection<Item> added, IReadOnlyCollection<Item> removed)
    {
        if (added.Count == 0 && removed.Count == 0) return this;
        var gone = removed.ToHashSet<Item>(ReferenceEqualityComparer.Instance);
        var changed = new Dictionary<string, List<Item>>();
        List<Item> Bucket(string code) => changed.TryGetValue(code, out var bucket) ? bucket : changed[code] = [.. _byPart.GetValueOrDefault(code) ?? []];
        foreach (var item in removed)
            foreach (var code in item.PartCodes) Bucket(code).RemoveAll(gone.Contains);
        // An item both added and taken out (made and expired in one refresh, say) is out.
        added = [.. added.Where(i => !gone.Contains(i))];
        foreach (var item in added)
            foreach (var code in item.PartCodes) Bucket(code).Add(item);

        var byPart = new Dictionary<string, Item[]>(_byPart);
        foreach (var (code, bucket) in changed)
        {
            bucket.Sort(_order);
            if (bucket.Count == 0) byPart.Remove(code);
            else byPart[code] = [.. bucket];
        }
        var next = added.Concat(removed).Any(i => i.Shape is not null)
            ? new CoverageIndex<T>(_gazetteer, _order, byPart, [.. _drawnItems.Where(i => !gone.Contains(i)).Concat(added.Where(i => i.Shape is not null))], null)
            : new CoverageIndex<T>(_gazetteer, _order, byPart, _drawnItems, _drawn);
        foreach (var (square, plan) in _bySquare)
            if (!changed.ContainsKey(plan.Code) && next._bySquare.TryAdd(square, plan)) next._squares++;
        return next;
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
                result.AddRange(_drawn.Query(new Envelope(point)).Where(i => keep(i.Value) && Covers(i)).Order(_order).Select(i => i.Value));
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
