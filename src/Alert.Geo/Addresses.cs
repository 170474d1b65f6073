using Alert.Core.Codes;

namespace Alert.Geo;

public enum AddressPrecision { Unresolved, Municipality, Town }

/// <summary>
/// What an address resolved to: a town (its municipality or ward in <see cref="Area"/>), only a municipality (with the
/// nearest town names as candidates), or nothing, with the places that would fit as candidates.
/// </summary>
public sealed record AddressMatch(Area? Area, Town? Town, IReadOnlyList<string> Candidates)
{
    public AddressPrecision Precision => Town is not null ? AddressPrecision.Town : Area is not null ? AddressPrecision.Municipality : AddressPrecision.Unresolved;

    /// <summary>The six-digit code of the municipality or ward (a designated city's own code when no ward could be told).</summary>
    public string? Code => Area is null ? null : LocalGovernmentCode.Parse(Area.Code).WithCheckDigit;

    /// <summary>
    /// The town's representative point, else a point of the municipality: its InteriorPoint, which unlike the centroid
    /// always lies inside the boundary (a crescent-shaped coast or a municipality of islands has its centroid at sea).
    /// </summary>
    public (double Lat, double Lng)? Point => Town is { } t ? (t.Lat, t.Lng)
        : Area?.Geometry.InteriorPoint is { } p ? (p.Y, p.X) : null;
}

/// <summary>
/// Japanese addresses to points: an optional prefecture, a municipality (with or without its 郡; a designated city
/// with or without the ward), then the longest town name the rest starts with, compared as <see cref="TownIndex.Normalize"/>
/// compares names. 番地 and 号 after the town are not placed: town points are as precise as the data goes.
/// </summary>
public sealed class Addresses
{
    private readonly Gazetteer _gazetteer;
    private readonly TownIndex _towns;
    private readonly List<(Area Area, string Key)> _prefectures;
    private readonly List<(Area Area, string[] Keys)> _places;

    public Addresses(Gazetteer gazetteer, TownIndex towns)
    {
        _gazetteer = gazetteer;
        _towns = towns;
        _prefectures = gazetteer.Areas.Where(a => a.Code.Length == 2).Select(a => (a, TownIndex.Normalize(a.Name))).ToList();
        _places = gazetteer.Areas.Where(a => a.Code.Length == 5).Select(a => (a, Keys(a))).ToList();
    }

    /// <summary>
    /// Resolves an address. <paramref name="within"/> (say the issuer's area) fills in what the address leaves out:
    /// "出水2-7-1" within 熊本市, "中央区…" within 熊本県. An address that names its place is taken as written, even elsewhere.
    /// </summary>
    public AddressMatch Locate(string address, Area? within = null)
    {
        var rest = TownIndex.Normalize(address);
        var (prefecture, key) = _prefectures.FirstOrDefault(p => rest.StartsWith(p.Key, StringComparison.Ordinal));
        if (prefecture is not null) rest = rest[key.Length..];
        var places = _places.Where(p => prefecture is null || p.Area.Code.StartsWith(prefecture.Code, StringComparison.Ordinal)).ToList();

        var named = within is null ? [] : Named(places.Where(p => p.Area.PartCodes.All(within.PartCodes.Contains)), rest);
        if (named.Count == 0) named = Named(places, rest);
        if (named.Count == 0 && within is not null && (prefecture is null || within.Code.StartsWith(prefecture.Code, StringComparison.Ordinal)))
        {
            // Only the context to go on: the town must be found there, or the address names nothing known.
            var match = InPlace(within, rest);
            return match.Town is null ? Unresolved(match.Candidates) : match;
        }
        if (named.Count == 0)
            return Unresolved(places.Select(p => (p.Area.Name, Score: p.Keys.Max(k => TownIndex.Similarity(rest, k))))
                .Where(c => c.Score >= 4).OrderByDescending(c => c.Score).ThenBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Name));

        var matches = named.Select(n => InPlace(n.Area, n.Remainder)).ToList();
        if (matches.Count == 1) return matches[0];
        // Two places of one name (伊達市 of 北海道 and of 福島県): the town decides, when it stands in only one of them.
        return matches.Where(m => m.Precision == AddressPrecision.Town).ToList() is [var only] ? only : Unresolved(named.Select(n => n.Area.Name));
    }

    private AddressMatch InPlace(Area area, string rest)
    {
        if (rest.StartsWith('字')) rest = rest[1..];
        var fits = area.Parts.SelectMany(m => _towns.In(m).Select(t => (Municipality: m, Town: t, Length: Prefix(t.Key, rest))))
            .Where(f => f.Length > 0).ToList();
        if (fits.Count == 0) return new AddressMatch(area, null, rest.Length == 0 ? [] : _towns.Find(area, rest).Candidates);
        var longest = fits.Max(f => f.Length);
        // A designated city named without its ward, and a town name standing in two of its wards: say which ones.
        return fits.Where(f => f.Length == longest).ToList() is [var one]
            ? new AddressMatch(_gazetteer.Find(LocalGovernmentCode.Parse(one.Municipality.Code)), one.Town, [])
            : Unresolved(fits.Where(f => f.Length == longest).Select(f => f.Municipality.FullName + f.Town.Name));
    }

    /// <summary>How much of the rest a town's name covers: all of it, or "出水2" of "出水2-7-1", where 丁目 is left out.</summary>
    private static int Prefix(string key, string rest)
    {
        if (rest.StartsWith(key, StringComparison.Ordinal)) return key.Length;
        if (!key.EndsWith("丁目", StringComparison.Ordinal) || !char.IsAsciiDigit(key[^3])) return 0;
        var numbered = key[..^2];
        return rest.StartsWith(numbered, StringComparison.Ordinal) && (rest.Length == numbered.Length || !char.IsAsciiDigit(rest[numbered.Length]))
            ? numbered.Length : 0;
    }

    /// <summary>The places whose name the rest starts with, the longest names only ("熊本市中央区" over "熊本市").</summary>
    private static List<(Area Area, string Remainder)> Named(IEnumerable<(Area Area, string[] Keys)> places, string rest)
    {
        var fits = places.SelectMany(p => p.Keys.Where(k => rest.StartsWith(k, StringComparison.Ordinal)).Select(k => (p.Area, k.Length))).ToList();
        if (fits.Count == 0) return [];
        var longest = fits.Max(f => f.Length);
        return fits.Where(f => f.Length == longest).Select(f => (f.Area, rest[longest..])).Distinct().ToList();
    }

    /// <summary>
    /// The names a municipality goes by after its prefecture: "東川町" and "上川郡東川町", "千代田区", a designated city
    /// "熊本市", its ward "熊本市中央区" and "中央区" (found among many 中央区 only by the prefecture or the context).
    /// </summary>
    private static string[] Keys(Area area)
    {
        var first = area.Parts[0];
        string[] keys = area.Parts.Count == 1 && first.County is { } county
            ? [county + first.Name, first.Name]
            : [area.Name[first.Prefecture.Length..]];
        return keys.Select(TownIndex.Normalize).Distinct().ToArray();
    }

    private static AddressMatch Unresolved(IEnumerable<string> candidates) => new(null, null, candidates.Distinct().Take(5).ToList());
}
