using System.Collections.Concurrent;
using System.Globalization;
using Alert.Core.Codes;
using NetTopologySuite.Geometries;
using NetTopologySuite.Triangulate;
using System.IO.Compression;
using System.Text;

namespace Alert.Geo;

/// <summary>A 大字・町丁目 with its representative point (小字 rows are left out: they refine a town, they are not one).</summary>
public sealed record Town(string MunicipalityCode, string Name, double Lat, double Lng)
{
    /// <summary>The name in the form names are compared in (<see cref="TownIndex.Normalize"/>), computed once.</summary>
    public string Key { get; } = TownIndex.Normalize(Name);
}

/// <summary>What a district name resolved to: the town (one name may stand in two wards), or the nearest candidates.</summary>
public sealed record TownMatch(IReadOnlyList<Town> Towns, IReadOnlyList<string> Candidates)
{
    public bool Found => Towns.Count > 0;
}

/// <summary>
/// Every town of Japan from the bundled Geolonia data, found by the name a desk types: 出水一丁目, 出水1丁目 and
/// 出水１丁目 are one town; ヶ/ケ, 檮/梼 and 大字/字 prefixes do not matter; a ward's name in front narrows the search.
/// Never guesses: a name that matches no town, or several different ones, comes back with candidates.
/// </summary>
public sealed class TownIndex
{
    private readonly Dictionary<string, List<Town>> _byMunicipality;
    private readonly ConcurrentDictionary<string, Dictionary<Town, Geometry>> _cells = new();

    private TownIndex(Dictionary<string, List<Town>> byMunicipality) => _byMunicipality = byMunicipality;

    public int Count => _byMunicipality.Values.Sum(t => t.Count);

    public static TownIndex LoadBundled()
    {
        using var stream = typeof(TownIndex).Assembly.GetManifestResourceStream("Alert.Geo.towns.csv.gz")
            ?? throw new InvalidOperationException("bundled town points are missing");
        using var reader = new StreamReader(new GZipStream(stream, CompressionMode.Decompress), Encoding.UTF8);
        reader.ReadLine(); // header
        var towns = new Dictionary<string, List<Town>>();
        while (reader.ReadLine() is { } line)
        {
            // municipality_code,prefecture,municipality,town,koaza,lat,lng — names hold no commas in this data.
            var f = line.Split(',');
            // A few towns have no point in the source: they cannot be placed, so they are not offered.
            if (f.Length != 7 || f[4].Length > 0
                || !double.TryParse(f[5], CultureInfo.InvariantCulture, out var lat) || !double.TryParse(f[6], CultureInfo.InvariantCulture, out var lng)) continue;
            if (!towns.TryGetValue(f[0], out var list)) towns[f[0]] = list = [];
            list.Add(new Town(f[0], f[3], lat, lng));
        }
        return new TownIndex(towns);
    }

    /// <summary>Finds a district name among the towns of an area's municipalities and wards.</summary>
    public TownMatch Find(Area area, string name)
    {
        var parts = area.Parts;
        // "中央区黒髪一丁目": a ward named in front narrows the search to that ward.
        if (parts.FirstOrDefault(p => p.Name.EndsWith('区') && name.StartsWith(p.Name, StringComparison.Ordinal)) is { } ward)
        {
            parts = [ward];
            name = name[ward.Name.Length..];
        }

        var key = Normalize(name);
        var towns = parts.SelectMany(In).ToList();
        var exact = towns.Where(t => t.Key == key).ToList();
        if (exact.Count > 0) return new TownMatch(exact, []);

        var candidates = towns.Select(t => (t.Name, Score: Similarity(key, t.Key)))
            .Where(c => c.Score > 0).OrderByDescending(c => c.Score).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name).Distinct().Take(5).ToList();
        return new TownMatch([], candidates);
    }

    /// <summary>Towns of an area whose name starts with the text, as a desk types it (for completion).</summary>
    public IEnumerable<Town> Search(Area area, string prefix)
    {
        var key = Normalize(prefix);
        return area.Parts.SelectMany(In)
            .Where(t => t.Key.StartsWith(key, StringComparison.Ordinal)).OrderBy(t => t.Key, StringComparer.Ordinal);
    }

    /// <summary>The towns of one municipality or ward.</summary>
    public IReadOnlyList<Town> In(Municipality municipality) => _byMunicipality.GetValueOrDefault(municipality.Code) ?? [];

    /// <summary>
    /// The town whose <see cref="Cell"/> holds a point of the municipality: the nearest town point, measured in degrees
    /// as the Voronoi diagram is, so the answer is the cell's without building it. Null where the municipality has no towns.
    /// </summary>
    public Town? Nearest(Municipality municipality, double lat, double lng) =>
        In(municipality).MinBy(t => (t.Lat - lat) * (t.Lat - lat) + (t.Lng - lng) * (t.Lng - lng));

    /// <summary>
    /// The approximate area of a town: its cell in the Voronoi diagram of its municipality's town points, clipped to
    /// the municipality. Town polygons are not published openly; API output must say the area is approximate.
    /// Cells are built per municipality on first use and kept.
    /// </summary>
    public Geometry Cell(Town town, Gazetteer gazetteer)
    {
        // A town whose municipality the boundaries do not know (a later merger) has no cell: say so, do not guess.
        var municipality = (LocalGovernmentCode.TryParse(town.MunicipalityCode, out var code, out _) ? gazetteer.Find(code) : null)?.Parts.SingleOrDefault(p => p.Code == town.MunicipalityCode)
            ?? throw new ArgumentException($"no boundary for the municipality {town.MunicipalityCode} of {town.Name}", nameof(town));
        var cells = _cells.GetOrAdd(municipality.Code, _ => BuildCells(municipality, In(municipality)));
        // Every site gets a cell; should one not (a degenerate diagram), a small disc around the point stands in.
        return cells.TryGetValue(town, out var cell) ? cell : municipality.Geometry.Factory.CreatePoint(new Coordinate(town.Lng, town.Lat)).Buffer(0.002);
    }

    private static Dictionary<Town, Geometry> BuildCells(Municipality municipality, IReadOnlyList<Town> towns)
    {
        var boundary = municipality.Geometry;
        var result = new Dictionary<Town, Geometry>();
        // Towns that share a point share its cell.
        var sites = towns.GroupBy(t => new Coordinate(t.Lng, t.Lat)).ToList();
        if (sites.Count < 2)
        {
            foreach (var town in towns) result[town] = boundary;
            return result;
        }

        var builder = new VoronoiDiagramBuilder();
        builder.SetSites(sites.Select(s => s.Key).ToList());
        var envelope = new Envelope(boundary.EnvelopeInternal);
        envelope.ExpandBy(0.1);
        builder.ClipEnvelope = envelope;
        var diagram = builder.GetDiagram(boundary.Factory);
        var bySite = sites.ToDictionary(s => s.Key, s => s.ToList());
        for (var i = 0; i < diagram.NumGeometries; i++)
        {
            var cell = diagram.GetGeometryN(i);
            if (cell.UserData is not Coordinate site || !bySite.TryGetValue(site, out var atSite)) continue;
            var clipped = cell.Intersection(boundary);
            foreach (var town in atSite) result[town] = clipped;
        }
        return result;
    }

    /// <summary>The form names are compared in: NFKC, ヶ→ケ, 檮→梼, kanji numbers before 丁目/番/号/条/線 as digits, no 大字/字 prefix, no spaces.</summary>
    public static string Normalize(string name)
    {
        var text = name.Normalize(NormalizationForm.FormKC).Replace(" ", "", StringComparison.Ordinal).Replace("　", "", StringComparison.Ordinal)
            .Replace('ヶ', 'ケ').Replace('ヵ', 'ケ').Replace('檮', '梼').Replace("大字", "", StringComparison.Ordinal);
        if (text.StartsWith('字')) text = text[1..];

        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var start = i;
            while (i < text.Length && KanjiDigit(text[i]) >= 0) i++;
            if (i > start && i < text.Length && text[i] is '丁' or '番' or '号' or '条' or '線')
                result.Append(KanjiNumber(text[start..i]));
            else
                result.Append(text, start, i - start);
            if (i < text.Length) result.Append(text[i]);
        }
        return result.ToString();
    }

    private static int KanjiDigit(char c) => "〇一二三四五六七八九十".IndexOf(c, StringComparison.Ordinal);

    /// <summary>一 → 1, 十 → 10, 十二 → 12, 二十三 → 23 (addresses never go far past that).</summary>
    private static int KanjiNumber(string kanji)
    {
        var ten = kanji.IndexOf('十', StringComparison.Ordinal);
        if (ten < 0) return kanji.Aggregate(0, (n, c) => n * 10 + KanjiDigit(c));
        var tens = ten == 0 ? 1 : KanjiDigit(kanji[ten - 1]);
        var ones = ten == kanji.Length - 1 ? 0 : KanjiDigit(kanji[^1]);
        return tens * 10 + ones;
    }

    /// <summary>Shared leading characters, plus a little for containment: enough to rank candidates for a person.</summary>
    internal static int Similarity(string a, string b)
    {
        var common = 0;
        while (common < a.Length && common < b.Length && a[common] == b[common]) common++;
        return common * 2 + (b.Contains(a, StringComparison.Ordinal) || a.Contains(b, StringComparison.Ordinal) ? 3 : 0);
    }
}
