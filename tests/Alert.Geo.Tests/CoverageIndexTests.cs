using Alert.Core.Notices;
using NetTopologySuite.Geometries;

namespace Alert.Geo.Tests;

/// <summary>
/// The grid squares the gazetteer and the coverage index learn are a shortcut only: every answer must be the one a
/// plain test of every boundary and every shape gives, at any point, on first use and after, and after a rebuild.
/// </summary>
public class CoverageIndexTests(GazetteerFixture fixture) : IClassFixture<GazetteerFixture>
{
    private readonly Gazetteer _gazetteer = fixture.Gazetteer;

    /// <summary>Points in and around Kyushu: towns, coasts, municipal borders, sea.</summary>
    private static List<(double Lat, double Lng)> Points(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (31.0 + random.NextDouble() * 3.0, 129.5 + random.NextDouble() * 2.5)).ToList();
    }

    private Municipality? Plainly(double lat, double lng) =>
        _gazetteer.Municipalities.Where(m => m.Geometry.Covers(new Point(lng, lat))).MinBy(m => m.Code, StringComparer.Ordinal);

    [Fact]
    public void The_municipality_at_a_point_is_the_one_a_plain_test_of_every_boundary_finds()
    {
        var points = Points(3000, 1);
        // Twice: the first look learns each square, the second answers from what was learnt.
        foreach (var pass in new[] { "first", "second" })
        foreach (var (lat, lng) in points)
            _gazetteer.At(lat, lng)?.Code.ShouldBe(Plainly(lat, lng)?.Code, $"{pass} look at {lat},{lng}");
    }

    [Fact]
    public void The_items_at_a_point_are_those_a_plain_test_of_every_shape_finds_in_the_order_given()
    {
        var random = new Random(2);
        var kyushu = _gazetteer.Municipalities.Where(m => m.Code[..2] is "40" or "41" or "42" or "43" or "44" or "45" or "46").ToList();
        var items = Enumerable.Range(0, 400).Select(i =>
        {
            var m = kyushu[random.Next(kyushu.Count)];
            if (i % 2 == 0) return new CoverageIndex<int>.Item(i, [m.Code], null);
            var centre = m.Geometry.InteriorPoint;
            var circle = NoticeRules.CircleShape(FormattableString.Invariant($"{centre.Y:F4},{centre.X:F4} {1 + random.NextDouble() * 8:F1}"));
            return new CoverageIndex<int>.Item(i, _gazetteer.Under(circle).Select(u => u.Code).ToList(), circle);
        }).ToList();
        // Off every boundary (at sea, a beach the simplified coast cuts off) only a drawn shape can cover a point.
        List<int> Plainly(IEnumerable<CoverageIndex<int>.Item> all, double lat, double lng) => this.Plainly(lat, lng) is not { } m
            ? all.Where(i => i.Shape is not null && i.Shape.Covers(new Point(lng, lat))).Select(i => i.Value).ToList()
            : all.Where(i => i.PartCodes.Contains(m.Code) && (i.Shape is null || i.Shape.Covers(new Point(lng, lat)))).Select(i => i.Value).ToList();

        var index = new CoverageIndex<int>(_gazetteer, Comparer<int>.Default).With(items, []);
        var points = Points(3000, 3);
        foreach (var pass in new[] { "first", "second" })
        foreach (var (lat, lng) in points)
            index.At(lat, lng, _ => true).ShouldBe(Plainly(items, lat, lng), $"{pass} look at {lat},{lng}");

        points.Count(p => this.Plainly(p.Lat, p.Lng) is null && index.At(p.Lat, p.Lng, _ => true).Count > 0).ShouldBeGreaterThan(0, "some points at sea lie in circles");

        // A change keeps what was learnt for untouched municipalities only: a new item must show where it applies, one
        // taken out (whole or drawn) nowhere, and the index changed from stays as it was for whoever still reads it.
        var added = new CoverageIndex<int>.Item(-1, [kyushu[0].Code], null);
        var circle = items.First(i => i.Shape is not null && points.Any(p => i.Shape.Covers(new Point(p.Lng, p.Lat))));
        IReadOnlyList<CoverageIndex<int>.Item> removed = [items[10], circle];
        var after = items.Except(removed).Prepend(added).ToList();
        var changed = index.With([added], removed);
        foreach (var (lat, lng) in points)
        {
            changed.At(lat, lng, v => v != 7).ShouldBe(Plainly(after, lat, lng).Where(v => v != 7).ToList(), $"after the change at {lat},{lng}");
            index.At(lat, lng, _ => true).ShouldBe(Plainly(items, lat, lng), $"the index before the change at {lat},{lng}");
        }
    }

    [Fact]
    public void Items_come_in_the_order_given_whatever_order_they_were_added_in()
    {
        var kumamoto = _gazetteer.Municipalities.First(m => m.Code.StartsWith("43", StringComparison.Ordinal));
        var point = kumamoto.Geometry.InteriorPoint;
        var items = Enumerable.Range(0, 20).Select(i => new CoverageIndex<int>.Item(i, [kumamoto.Code], null)).ToList();
        var index = new CoverageIndex<int>(_gazetteer, Comparer<int>.Default);
        foreach (var item in items.OrderBy(i => (i.Value * 7) % 20)) index = index.With([item], []);
        index.At(point.Y, point.X, _ => true).ShouldBe(Enumerable.Range(0, 20).ToList());
        index.With([], [items[3], items[17]]).At(point.Y, point.X, _ => true).ShouldBe(Enumerable.Range(0, 20).Where(v => v is not 3 and not 17).ToList());
        var late = new CoverageIndex<int>.Item(99, [kumamoto.Code], null);
        index.With([late], [late]).At(point.Y, point.X, _ => true).ShouldNotContain(99, "an item both added and taken out is out");
    }

    [Fact]
    public void Many_threads_asking_at_once_while_squares_are_learnt_get_the_plain_answers()
    {
        var kumamoto = _gazetteer.Municipalities.Where(m => m.Code.StartsWith("43", StringComparison.Ordinal)).ToList();
        var items = kumamoto.Select((m, i) => new CoverageIndex<int>.Item(i, [m.Code], i % 3 == 0 ? m.Geometry.Buffer(-0.01) : null)).ToList();
        var index = new CoverageIndex<int>(_gazetteer, Comparer<int>.Default).With(items, []);
        var points = Points(4000, 4).Where(p => p.Lat > 32.1 && p.Lat < 33.2 && p.Lng > 130.1 && p.Lng < 131.3).ToList();
        var expected = points.Select(p => this.Plainly(p.Lat, p.Lng) is not { } m ? []
            : items.Where(i => i.PartCodes.Contains(m.Code) && (i.Shape is null || i.Shape.Covers(new Point(p.Lng, p.Lat)))).Select(i => i.Value).ToList()).ToList();

        var wrong = 0;
        Parallel.For(0, points.Count * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k =>
        {
            var i = k % points.Count;
            if (!index.At(points[i].Lat, points[i].Lng, _ => true).SequenceEqual(expected[i])) Interlocked.Increment(ref wrong);
        });

        points.Count.ShouldBeGreaterThan(500);
        wrong.ShouldBe(0);
    }
}
