using System.Diagnostics;
using System.Globalization;
using System.Text;
using Alert.Core.Codes;
using Alert.Core.Notices;
using Alert.Geo;
using NetTopologySuite.Geometries;

namespace Alert.Cli.Bench;

/// <summary>
/// The geocoding figures, all in one run on one machine: loading the gazetteer (time, memory), point → notices in
/// force with many notices active (the hub's own <see cref="CoverageIndex{T}"/>, one thread), district names and
/// addresses resolved per second, and, when given a PostgreSQL with PostGIS, the same point query as
/// <c>ST_Covers</c> over a GiST index: the peer a user would otherwise pick. The two are checked to agree.
/// </summary>
public static class GeoBench
{
    public static async Task<int> RunAsync(TimeSpan duration, int notices, string? postgis, FileInfo? markdown)
    {
        var rows = new List<(string What, string Figure)>();
        void Row(string what, string figure)
        {
            rows.Add((what, figure));
            Console.WriteLine($"  {what}: {figure}");
        }

        Console.WriteLine("Loading the bundled data…");
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var gazetteer = Gazetteer.LoadBundled();
        var gazetteerTime = clock.Elapsed;
        var towns = TownIndex.LoadBundled();
        var townsTime = clock.Elapsed - gazetteerTime;
        var addresses = new Addresses(gazetteer, towns);
        // The point-in-polygon indexes are built on first use: build them all, as a long-running hub will have.
        foreach (var m in gazetteer.Municipalities) m.Locator.Locate(m.Geometry.InteriorPoint.Coordinate);
        var loaded = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        Row("gazetteer load (1,9xx boundaries)", $"{gazetteerTime.TotalSeconds:F2} s");
        Row($"town index load ({towns.Count:N0} towns)", $"{townsTime.TotalSeconds:F2} s");
        Row("managed memory of the loaded gazetteer, towns and address index", $"{loaded / 1048576.0:F0} MiB (process working set {Environment.WorkingSet / 1048576.0:F0} MiB)");

        var random = new Random(20261123);
        var items = Notices(gazetteer, towns, notices, random);
        var index = new CoverageIndex<int>(gazetteer, Comparer<int>.Default).With(items, []);
        var drawn = items.Count(i => i.Shape is not null);
        Console.WriteLine($"{items.Count:N0} notices in force: {items.Count - drawn:N0} over whole municipalities, {drawn:N0} drawn (town districts, circles)");

        var points = Points(gazetteer, towns, 100_000, random);
        // The index learns each grid square on first use: the first pass over the points is timed apart (a fresh index, as
        // after every change of the notices in force), the rest is the steady state.
        var cold = Stopwatch.StartNew();
        foreach (var (lat, lng) in points) index.At(lat, lng, _ => true);
        Row($"point → notices in force, first pass over {points.Count:N0} points (fresh index)", $"{points.Count / cold.Elapsed.TotalSeconds:N0} lookups/s");
        var lookups = Measure(duration, i => index.At(points[i % points.Count].Lat, points[i % points.Count].Lng, _ => true));
        var perPoint = points.Take(10_000).Average(p => index.At(p.Lat, p.Lng, _ => true).Count);
        Row($"point → notices in force, {items.Count:N0} active, 1 thread", $"{lookups:N0} lookups/s ({perPoint:F1} notices per point on average)");
        var municipalities = Measure(duration, i => gazetteer.At(points[i % points.Count].Lat, points[i % points.Count].Lng));
        Row("point → municipality or ward, 1 thread", $"{municipalities:N0} lookups/s");

        Row("managed memory with the notices' shapes and town cells built and the grid squares learnt", $"{(GC.GetTotalMemory(forceFullCollection: true) - baseline) / 1048576.0:F0} MiB");

        var names = DistrictNames(gazetteer, towns, 20_000, random);
        var resolved = Measure(duration, i => towns.Find(names[i % names.Count].Area, names[i % names.Count].Name));
        Row("district names resolved (漢数字・全角・大字 variants), 1 thread", $"{resolved:N0} names/s");
        var written = names.Select(n => $"{n.Area.Name}{n.Name}1-2").ToList();
        var located = Measure(duration, i => addresses.Locate(written[i % written.Count]));
        Row("addresses → points (prefecture + municipality + town + 番地), 1 thread", $"{located:N0} addresses/s");

        if (postgis is not null)
        {
            Console.WriteLine("Loading the same shapes into PostGIS…");
            var shapes = items.Select(i => (i.Value.ToString(CultureInfo.InvariantCulture),
                i.Shape ?? Shapes.Union(i.PartCodes.Select(c => gazetteer.Municipalities.First(m => m.Code == c).Geometry).ToList())!)).ToList();
            await using var peer = await PostGisPeer.LoadAsync(postgis, shapes);
            Row("PostGIS load + GiST index + ANALYZE", $"{peer.LoadTime.TotalSeconds:F1} s");
            var sample = points.Take(2000).ToList();
            var theirs = await peer.IdsAtAsync(sample);
            var ours = sample.Select(p => index.At(p.Lat, p.Lng, _ => true).Select(v => v.ToString(CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal).ToList()).ToList();
            var differ = Enumerable.Range(0, sample.Count).Where(i => !ours[i].SequenceEqual(theirs[i])).ToList();
            Row("answers equal to PostGIS's", $"{sample.Count - differ.Count:N0} of {sample.Count:N0} points");
            foreach (var i in differ.Take(5))
                Console.WriteLine($"    differs at {sample[i].Lat:F6},{sample[i].Lng:F6} ({gazetteer.At(sample[i].Lat, sample[i].Lng)?.FullName}): index [{string.Join(' ', ours[i])}], PostGIS [{string.Join(' ', theirs[i])}]");
            await peer.MeasureAsync(points, TimeSpan.FromSeconds(1)); // warm-up
            var measured = await peer.MeasureAsync(points, duration);
            Row("PostGIS ST_Covers + GiST, one connection, prepared", $"{measured.QueriesPerSecond:N0} lookups/s");
            Row("in-memory index ÷ PostGIS", $"{lookups / measured.QueriesPerSecond:N0}×");
            Row("for scale: prepared SELECT 1, one connection", $"{await RoundTripsAsync(postgis, duration):N0} /s");
        }

        if (markdown is not null)
        {
            var text = new StringBuilder($"| measure ({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {duration.TotalSeconds:F0} s each) | figure |\n| --- | --- |\n");
            foreach (var (what, figure) in rows) text.Append(CultureInfo.InvariantCulture, $"| {what} | {figure} |\n");
            await File.WriteAllTextAsync(markdown.FullName, text.ToString());
        }
        return 0;
    }

    /// <summary>
    /// Notices as a bad day spreads them: most over whole municipalities (codes), a quarter over a few town districts
    /// (their cells), the rest circles of 0.5–5 km around a town (routed to the municipalities under them).
    /// </summary>
    private static List<CoverageIndex<int>.Item> Notices(Gazetteer gazetteer, TownIndex towns, int count, Random random)
    {
        var items = new List<CoverageIndex<int>.Item>(count);
        var inhabited = gazetteer.Municipalities.Where(m => towns.In(m).Count > 0).ToList();
        while (items.Count < count)
        {
            var m = inhabited[random.Next(inhabited.Count)];
            var local = towns.In(m);
            var kind = random.NextDouble();
            if (kind < 0.6)
            {
                items.Add(new(items.Count, [m.Code], null));
            }
            else if (kind < 0.85)
            {
                var picked = Enumerable.Range(0, random.Next(1, 6)).Select(_ => local[random.Next(local.Count)]).Distinct().ToList();
                items.Add(new(items.Count, [m.Code], Shapes.Union(picked.Select(t => towns.Cell(t, gazetteer)).ToList())));
            }
            else
            {
                var centre = local[random.Next(local.Count)];
                var circle = NoticeRules.CircleShape(string.Create(CultureInfo.InvariantCulture, $"{centre.Lat},{centre.Lng} {0.5 + random.NextDouble() * 4.5:F1}"));
                var under = gazetteer.Under(circle).Select(u => u.Code).ToList();
                if (under.Count > 0) items.Add(new(items.Count, under, circle));
            }
        }
        return items;
    }

    /// <summary>Where residents ask from: town points moved up to ~200 m, so they fall anywhere in the cells, not on their sites.</summary>
    private static List<(double Lat, double Lng)> Points(Gazetteer gazetteer, TownIndex towns, int count, Random random)
    {
        var all = gazetteer.Municipalities.SelectMany(towns.In).ToList();
        return Enumerable.Range(0, count).Select(_ => all[random.Next(all.Count)])
            .Select(t => (t.Lat + (random.NextDouble() - 0.5) * 0.004, t.Lng + (random.NextDouble() - 0.5) * 0.004)).ToList();
    }

    /// <summary>Town names as desks type them: as written, with arabic or full-width numerals, or with 大字 in front.</summary>
    private static List<(Area Area, string Name)> DistrictNames(Gazetteer gazetteer, TownIndex towns, int count, Random random)
    {
        var all = gazetteer.Municipalities.SelectMany(towns.In).ToList();
        return Enumerable.Range(0, count).Select(_ => all[random.Next(all.Count)]).Select(t =>
        {
            var area = gazetteer.Find(LocalGovernmentCode.Parse(t.MunicipalityCode))!;
            var name = (random.Next(4)) switch
            {
                0 => t.Name,
                1 => t.Key,                                                      // 出水2丁目
                2 => new string(t.Key.Select(c => c is >= '0' and <= '9' ? (char)(c - '0' + '０') : c).ToArray()), // 出水２丁目
                _ => t.Name.StartsWith("大字", StringComparison.Ordinal) ? t.Name : "大字" + t.Name,
            };
            return (area, name);
        }).ToList();
    }

    /// <summary>Bare round trips to the same server: how much of PostGIS's figure is the trip, not the geometry.</summary>
    private static async Task<double> RoundTripsAsync(string connectionString, TimeSpan duration)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT 1", connection);
        await command.PrepareAsync();
        var (clock, n) = (Stopwatch.StartNew(), 0);
        for (; clock.Elapsed < duration; n++) await command.ExecuteScalarAsync();
        return n / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Operations per second of <paramref name="operation"/> on this thread, after a one-second warm-up.</summary>
    private static double Measure(TimeSpan duration, Action<int> operation)
    {
        for (var (i, warm) = (0, Stopwatch.StartNew()); warm.Elapsed < TimeSpan.FromSeconds(1); i++) operation(i);
        var clock = Stopwatch.StartNew();
        var n = 0;
        while (clock.Elapsed < duration)
        {
            for (var k = 0; k < 1000; k++) operation(n++);
        }
        return n / clock.Elapsed.TotalSeconds;
    }

    private static double Measure<TResult>(TimeSpan duration, Func<int, TResult> operation) => Measure(duration, i => { operation(i); });
}
