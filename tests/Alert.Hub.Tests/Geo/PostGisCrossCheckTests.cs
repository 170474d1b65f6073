using Alert.Cli.Bench;
using Alert.Geo;
using Alert.Hub.Tests.Support;
using NetTopologySuite.Geometries;
using Xunit.Abstractions;

namespace Alert.Hub.Tests.Geo;

/// <summary>
/// Our point-in-polygon answers against PostGIS's ST_Covers, on every municipality of the bundled boundaries: the
/// same shapes, the same points, the same covering sets. PostGIS runs in the PostgreSQL that ops/test starts.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class PostGisCrossCheckTests(ITestOutputHelper output)
{
    private static readonly Gazetteer Gazetteer = Gazetteer.LoadBundled();

    [Fact]
    public async Task Every_point_is_covered_by_the_same_municipalities_in_PostGIS()
    {
        var points = Points();
        await using var peer = await PostGisPeer.LoadAsync(RabbitPostgresHub.Required("ALERT_TEST_POSTGRES"),
            Gazetteer.Municipalities.Select(m => (m.Code, m.Geometry)).ToList());

        var found = await peer.IdsAtAsync(points);

        var disagreements = new List<string>();
        for (var i = 0; i < points.Count; i++)
        {
            var (lat, lng) = points[i];
            var point = new Coordinate(lng, lat);
            // Every municipality that covers the point, so a point on a shared line has both neighbours, as in PostGIS.
            var ours = Gazetteer.Municipalities.Where(m => m.Covers(point)).Select(m => m.Code).Order(StringComparer.Ordinal).ToList();
            // At settles a shared line for the lower code: the first of PostGIS's set.
            var at = Gazetteer.At(lat, lng)?.Code;
            if (!ours.SequenceEqual(found[i]) || at != (found[i].Count > 0 ? found[i][0] : null))
                disagreements.Add($"({lat:R}, {lng:R}): PostGIS [{string.Join(' ', found[i])}], ours [{string.Join(' ', ours)}], At {at ?? "none"}");
        }
        disagreements.ShouldBeEmpty(string.Join('\n', disagreements.Take(20)));

        // The points reach every case: at sea, inside one municipality, on a line two share.
        var (none, one, shared) = (found.Count(ids => ids.Count == 0), found.Count(ids => ids.Count == 1), found.Count(ids => ids.Count > 1));
        output.WriteLine($"{points.Count} points: {none} covered by no municipality, {one} by one, {shared} by two or more");
        none.ShouldBeGreaterThan(200);
        one.ShouldBeGreaterThan(1000);
        shared.ShouldBeGreaterThan(100);

        (await peer.ExplainAsync(points[0].Lat, points[0].Lng)).ShouldContain("Index Scan"); // the GiST index, not a scan of every shape
        var rate = await peer.MeasureAsync(points, TimeSpan.FromSeconds(2));
        output.WriteLine($"PostGIS: {peer.ShapeCount} municipalities loaded and indexed in {peer.LoadTime.TotalSeconds:F1} s; " +
                         $"{rate.QueriesPerSecond:N0} point queries/s on one connection ({rate.Queries} in {rate.Elapsed.TotalSeconds:F1} s)");
    }

    /// <summary>
    /// 2,000 points, the same every run: inside municipalities, on their outlines' vertices (most shared with a
    /// neighbour), anywhere around Japan (mostly sea, some of the continent) and a few well out at sea.
    /// </summary>
    private static List<(double Lat, double Lng)> Points()
    {
        var random = new Random(20240101);
        var municipalities = Gazetteer.Municipalities;
        var points = new List<(double Lat, double Lng)>();
        while (points.Count < 1200)
        {
            var m = municipalities[random.Next(municipalities.Count)];
            var e = m.Geometry.EnvelopeInternal;
            for (var tries = 0; tries < 50; tries++)
            {
                var p = new Coordinate(e.MinX + random.NextDouble() * e.Width, e.MinY + random.NextDouble() * e.Height);
                if (!m.Covers(p)) continue;
                points.Add((p.Y, p.X));
                break;
            }
        }
        for (var i = 0; i < 400; i++)
        {
            var outline = municipalities[random.Next(municipalities.Count)].Geometry.Coordinates;
            var vertex = outline[random.Next(outline.Length)];
            points.Add((vertex.Y, vertex.X));
        }
        for (var i = 0; i < 396; i++) points.Add((24 + random.NextDouble() * 22, 122 + random.NextDouble() * 32));
        points.AddRange([(34.0, 141.0), (39.0, 135.0), (30.0, 127.0), (45.0, 146.0)]); // off Bōsō, Sea of Japan, East China Sea, Okhotsk
        return points;
    }
}
