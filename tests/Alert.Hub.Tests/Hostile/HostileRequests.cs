using System.Text;

namespace Alert.Hub.Tests.Hostile;

/// <summary>A hostile subscriber body for <c>POST /api/v1/subscribers</c>. <see cref="MayCreate"/>: a valid subscriber after all (201 allowed).</summary>
public sealed record SubscriberCase(string Name, byte[] Body, string? ContentType = "application/json")
{
    public bool MayCreate { get; init; }
    public Func<HostileAnswer, string?>? Check { get; init; }
}

/// <summary>A hostile query string (or header) on a public GET endpoint, and the statuses it may get.</summary>
public sealed record QueryCase(string Name, string Path, params int[] Allowed)
{
    public Action<HttpRequestMessage>? Configure { get; init; }
    public Func<HostileAnswer, string?>? Check { get; init; }

    /// <summary>A stream endpoint: only its headers are read, so a stream opened by mistake is not held.</summary>
    public bool Stream => Path.StartsWith("/api/v1/stream", StringComparison.Ordinal);
}

public static class HostileRequests
{
    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    private static string Subscriber(string url = "https://example.com/hook", string extra = "") =>
        $"{{\"name\": \"hostile\", \"kind\": \"broadcaster\", \"url\": {Mutations.JsonString(url)}, \"areaCodes\": [\"43\"]{extra}}}";

    private static SubscriberCase Refused(string name, string body) => new(name, B(body));

    private static SubscriberCase Url(string url) => new($"url {(url.Length > 60 ? url[..60] + "…" : url)}", B(Subscriber(url)));

    public static List<SubscriberCase> Subscribers() =>
    [
        Refused("not JSON (XML)", "<subscriber/>"),
        new("empty body", []),
        Refused("null", "null"),
        Refused("an array", "[]"),
        Refused("a string", "\"subscriber\""),
        Refused("nesting 10,000 deep", new string('[', 10_000) + new string(']', 10_000)),
        Refused("nesting 100,000 deep in an unknown property", Subscriber(extra: ", \"x\": " + string.Concat(Enumerable.Repeat("{\"a\":", 100_000)) + "1" + new string('}', 100_000))),
        new("duplicate key: url refused first, public last", B(Subscriber(extra: ", \"url\": \"https://example.org/hook\"").Replace("https://example.com/hook", "http://169.254.169.254/latest/meta-data/", StringComparison.Ordinal)))
            { MayCreate = true, Check = a => a.Status == 201 && !a.Body.Contains("https://example.org/hook", StringComparison.Ordinal) ? "created with another url than the one checked" : null },
        Refused("duplicate key: url public first, refused last", Subscriber(extra: ", \"url\": \"http://169.254.169.254/latest/meta-data/\"")),
        Refused("minLevel 1e400", Subscriber(extra: ", \"minLevel\": 1e400")),
        Refused("minLevel 3.5", Subscriber(extra: ", \"minLevel\": 3.5")),
        Refused("minLevel 2", Subscriber(extra: ", \"minLevel\": 2")),
        Refused("minLevel 2147483648", Subscriber(extra: ", \"minLevel\": 2147483648")),
        Refused("minLevel of 10,000 digits", Subscriber(extra: ", \"minLevel\": " + new string('9', 10_000))),
        Refused("areaCodes as a string", Subscriber().Replace("[\"43\"]", "\"43\"", StringComparison.Ordinal)),
        Refused("name as a number", Subscriber().Replace("\"hostile\"", "5", StringComparison.Ordinal)),
        Refused("url as an array", Subscriber().Replace("\"https://example.com/hook\"", "[\"https://example.com/hook\"]", StringComparison.Ordinal)),
        Refused("areaCodes holding null", Subscriber().Replace("[\"43\"]", "[\"43\", null]", StringComparison.Ordinal)),
        Refused("statuses holding null", Subscriber(extra: ", \"statuses\": [null]")),
        Refused("categories holding null", Subscriber(extra: ", \"categories\": [null]")),
        Refused("languages holding null", Subscriber(extra: ", \"languages\": [null]")),
        Refused("languages of 100 KB", Subscriber(extra: $", \"languages\": [\"{new string('x', 100_000)}\"]")),
        Refused("blank name", Subscriber().Replace("\"hostile\"", "\"   \"", StringComparison.Ordinal)),
        Refused("kind <script>", Subscriber().Replace("broadcaster", "<script>alert(1)</script>", StringComparison.Ordinal)),
        Refused("format a path", Subscriber(extra: ", \"format\": \"../../etc/passwd\"")),
        Refused("minSeverity with NUL", Subscriber(extra: ", \"minSeverity\": \"Extreme\\u0000\"")),
        Refused("statuses in lower case", Subscriber(extra: ", \"statuses\": [\"actual\"]")),
        Refused("lone surrogate in name", Subscriber().Replace("\"hostile\"", "\"\\ud800\"", StringComparison.Ordinal)),
        Refused("polygon NaN", Subscriber(extra: ", \"polygon\": \"NaN,NaN NaN,NaN NaN,NaN NaN,NaN\"")),
        Refused("polygon 1e400", Subscriber(extra: ", \"polygon\": \"1e400,1 1,1 1,2 1e400,1\"")),
        Refused("polygon of 20,000 points crossing itself", Subscriber(extra: ", \"polygon\": \"" + string.Join(' ', Enumerable.Range(0, 20_000).Select(i => $"{32.7 + i % 7 * 0.01:F2},{130.7 + i % 11 * 0.01:F2}")) + " 32.70,130.70\"")) ,
        new("polygon of 50,000 points", B(Subscriber(extra: $", \"polygon\": \"{HandWritten.Ring(50_000, 32.79, 130.74, 0.02)}\""))) { MayCreate = true, Check = HandWritten.Within(10) },
        new("100,000 area codes", B(Subscriber().Replace("[\"43\"]", "[" + string.Join(',', Enumerable.Repeat("\"43\"", 100_000)) + "]", StringComparison.Ordinal))) { MayCreate = true, Check = HandWritten.Within(10) },
        new("900 KB name", B(Subscriber().Replace("\"hostile\"", Mutations.JsonString(new string('n', 900_000)), StringComparison.Ordinal))) { MayCreate = true, Check = HandWritten.Within(10) },
        new("control characters in the name", B(Subscriber().Replace("\"hostile\"", "\"\\u0000\\u0001\\u001b[31mred\"", StringComparison.Ordinal))) { MayCreate = true },
        new("an unknown property isAdmin", B(Subscriber(extra: ", \"isAdmin\": true, \"secret\": \"whsec_mine\""))) { MayCreate = true, Check = a => a.Body.Contains("whsec_mine", StringComparison.Ordinal) ? "the secret came from the request" : null },
        new("JSON sent as text/plain", B(Subscriber()), "text/plain") { MayCreate = true },
        new("JSON in UTF-16", Encoding.Unicode.GetBytes(Subscriber())),
        Url("javascript:alert(1)"),
        Url("file:///etc/passwd"),
        Url("ftp://example.com/hook"),
        Url("gopher://127.0.0.1:6379/_FLUSHALL"),
        Url("http://169.254.169.254/latest/meta-data/"),
        Url("http://[::ffff:169.254.169.254]/"),
        Url("http://[::ffff:a9fe:a9fe]/"),
        Url("http://0xa9fea9fe/"),
        Url("http://2852039166/"),
        Url("http://0251.0376.0251.0376/"),
        Url("http://user:pass@169.254.169.254/"),
        Url("http://10.0.0.1/"),
        Url("http://10.1/"),
        Url("http://[fd00::1]/"),
        Url("http://[fe80::1%25eth0]/"),
        Url("http://0.0.0.0/"),
        Url("http://[::]/"),
        Url("http://224.0.0.1/"),
        Url("http://100.64.0.1/"),
        Url("http://[::ffff:10.0.0.1]/"),
        // A trailing dot makes a name of the address: not refused when saved, refused when connecting (where the name resolves).
        Url("http://192.168.1.1./") with { MayCreate = true },
        Url("HTTP://172.16.0.1/"),
        Url("http:///"),
        Url("http://" + new string('h', 100_000) + ".example/"),
        // Stored as sent; System.Uri escapes it when the webhook is posted, so no header can be injected.
        Url("https://example.com/\u0000\r\nX-Injected: 1") with { MayCreate = true },
        Url(""),
    ];

    public static List<QueryCase> Queries()
    {
        // A URL holds at most 65,519 characters (System.Uri): long values stay under it, Japanese ones count 9 per character escaped.
        var longText = new string('4', 50_000);
        var manyCodes = string.Join(',', Enumerable.Repeat("99", 10_000));
        return
        [
            new("alerts: nothing asked", "/api/v1/alerts", 400),
            new("alerts: NaN", "/api/v1/alerts?lat=NaN&lng=NaN", 400),
            new("alerts: Infinity", "/api/v1/alerts?lat=Infinity&lng=130", 400),
            new("alerts: 1e309", "/api/v1/alerts?lat=1e309&lng=130", 400),
            new("alerts: -0,-0 (at sea)", "/api/v1/alerts?lat=-0&lng=-0", 200),
            new("alerts: the poles' corner", "/api/v1/alerts?lat=90&lng=180", 200),
            new("alerts: 1e-400", "/api/v1/alerts?lat=1e-400&lng=1e-400", 200, 400),
            new("alerts: a list as latitude", "/api/v1/alerts?lat=32.79,33&lng=130.74", 400),
            new("alerts: latitude twice", "/api/v1/alerts?lat=32.79&lat=33&lng=130.74", 200, 400),
            new("alerts: NUL", "/api/v1/alerts?lat=%00&lng=%00", 400),
            new("alerts: hex latitude", "/api/v1/alerts?lat=0x20&lng=130", 400),
            new("alerts: point and code", "/api/v1/alerts?lat=32.79&lng=130.74&code=43", 400),
            new("alerts: code a path", "/api/v1/alerts?code=..%2F..%2Fetc%2Fpasswd", 400),
            new("alerts: code NUL", "/api/v1/alerts?code=%00", 400),
            new("alerts: code full-width", "/api/v1/alerts?code=%EF%BC%94%EF%BC%93", 200, 400),
            new("alerts: code SQL", "/api/v1/alerts?code=43'%20OR%20'1'='1", 400),
            new("alerts: code of 50 KB", "/api/v1/alerts?code=" + longText, 400),
            new("alerts: code twice", "/api/v1/alerts?code=43&code=44", 200, 400),
            new("alerts: status with NUL", "/api/v1/alerts?code=43&status=Actual%00", 400),
            new("alerts: status a script", "/api/v1/alerts?code=43&status=%3Cscript%3Ealert(1)%3C/script%3E", 400),
            new("alerts: status two modes", "/api/v1/alerts?code=43&status=Exercise,Test", 400),
            new("alerts: RTL override in code", "/api/v1/alerts?code=%E2%80%AE34", 400),
            new("stream: unknown code", "/api/v1/stream?codes=99", 400),
            new("stream: NUL among empties", "/api/v1/stream?codes=,,,%00", 400),
            new("stream: a bad check digit", "/api/v1/stream?codes=43,431002", 400),
            new("stream: 10,000 bad codes", "/api/v1/stream?codes=" + manyCodes, 400) { Check = HandWritten.Within(10) },
            new("stream: code of 50 KB", "/api/v1/stream?codes=" + longText, 400),
            new("stream: a script as category", "/api/v1/stream?categories=evacuation,%3Cscript%3E", 400),
            new("stream: status with NUL", "/api/v1/stream?status=ACTUAL%00", 400),
            new("stream: lastEventId -1", "/api/v1/stream?lastEventId=-1", 400),
            new("stream: lastEventId past long", "/api/v1/stream?lastEventId=99999999999999999999", 400),
            new("stream: lastEventId 1e3", "/api/v1/stream?lastEventId=1e3", 400),
            new("stream: lastEventId hex", "/api/v1/stream?codes=43&lastEventId=0x10", 400),
            new("stream: Last-Event-ID header not a number", "/api/v1/stream?codes=43&status=bogus", 400) { Configure = r => r.Headers.TryAddWithoutValidation("Last-Event-ID", "abc") },
            new("stream: Last-Event-ID header with a space", "/api/v1/stream", 400) { Configure = r => r.Headers.TryAddWithoutValidation("Last-Event-ID", " 1") },
            new("stream: Last-Event-ID header of 50 KB", "/api/v1/stream", 400) { Configure = r => r.Headers.TryAddWithoutValidation("Last-Event-ID", longText + "x") },
            new("areas: unknown code", "/api/v1/areas/99999", 404),
            new("areas: control character", "/api/v1/areas/%01", 404),
            new("areas: a path", "/api/v1/areas/..%2F..%2Fetc%2Fpasswd", 404),
            new("areas: code of 50 KB", "/api/v1/areas/" + longText, 404),
            new("areas: SQL", "/api/v1/areas/43100'--", 404),
            new("areas: full-width", "/api/v1/areas/%EF%BC%94%EF%BC%93", 200, 404),
            new("areas: town of 6,000 characters", "/api/v1/areas/431001/towns/" + new string('町', 6_000), 404) { Check = HandWritten.Within(10) },
            new("areas: town DEL", "/api/v1/areas/431001/towns/%7F", 404),
            new("areas: town RTL override", "/api/v1/areas/431001/towns/%E2%80%AE", 404),
            new("areas: town in an unknown code", "/api/v1/areas/99/towns/x", 404),
            new("areas: search without q", "/api/v1/areas/search", 400),
            new("areas: search blank", "/api/v1/areas/search?q=%20%E3%80%80", 400),
            new("areas: search NUL", "/api/v1/areas/search?q=%00", 200, 400),
            new("areas: search wildcard", "/api/v1/areas/search?q=%25", 200),
            new("areas: search of 6,000 characters", "/api/v1/areas/search?q=" + new string('熊', 6_000), 200, 400) { Check = HandWritten.Within(10) },
            new("areas: search towns of an unknown code", "/api/v1/areas/search?q=%E5%87%BA&code=99", 404),
            new("areas: search towns with a 6,000-character prefix", "/api/v1/areas/search?q=" + new string('出', 6_000) + "&code=431001", 200, 400) { Check = HandWritten.Within(10) },
            new("areas: geocode without address", "/api/v1/areas/geocode", 400),
            new("areas: geocode of 6,000 characters", "/api/v1/areas/geocode?address=" + new string('市', 6_000), 400, 404) { Check = HandWritten.Within(10) },
            new("areas: geocode RTL and NUL", "/api/v1/areas/geocode?address=%E2%80%AE%00", 400, 404),
            new("areas: geocode in an unknown code", "/api/v1/areas/geocode?address=x&code=%00", 404),
            new("areas: at NaN", "/api/v1/areas/at?lat=NaN&lng=NaN", 400),
            new("areas: at 91", "/api/v1/areas/at?lat=91&lng=0", 400),
            new("areas: at 0,0", "/api/v1/areas/at?lat=0&lng=0", 404),
            new("areas: at 1e309", "/api/v1/areas/at?lat=1e309&lng=130", 400),
            new("areas: at nothing", "/api/v1/areas/at", 400),
            new("feeds: unknown code", "/feeds/notices.atom?code=99", 400),
            new("feeds: code NUL", "/feeds/notices.atom?code=%00", 400),
            new("feeds: empty code", "/feeds/notices.atom?code=", 400),
            new("feeds: unknown category", "/feeds/notices.atom?category=%3Cscript%3E", 400),
            new("feeds: status with a newline", "/feeds/notices.json?status=Exercise%0A", 400),
            new("feeds: one good code, one bad", "/feeds/notices.atom?code=43&code=999999", 400),
            new("feeds: a category and a NUL", "/feeds/notices.json?category=evacuation&category=%00", 400),
            new("feeds: 1,000 codes", "/feeds/notices.atom?" + string.Join('&', Enumerable.Repeat("code=43", 1_000)), 200) { Check = HandWritten.Within(10) },
            new("feeds: 5,000 bad codes", "/feeds/notices.json?" + string.Join('&', Enumerable.Repeat("code=%00", 5_000)), 400) { Check = HandWritten.Within(10) },
            new("feeds: If-None-Match garbage", "/feeds/notices.atom", 200) { Configure = r => r.Headers.TryAddWithoutValidation("If-None-Match", "\"x\", W/, ,,,\"") },
            new("feeds: If-None-Match *", "/feeds/notices.atom", 304) { Configure = r => r.Headers.TryAddWithoutValidation("If-None-Match", "*") },
            new("feeds: If-Modified-Since garbage", "/feeds/notices.json", 200) { Configure = r => r.Headers.TryAddWithoutValidation("If-Modified-Since", "yesterday, 99 Foo 99999 99:99:99 GMT") },
            new("feeds: If-Modified-Since year 9999", "/feeds/notices.json", 200, 304) { Configure = r => r.Headers.TryAddWithoutValidation("If-Modified-Since", "Fri, 31 Dec 9999 23:59:59 GMT") },
        ];
    }
}
