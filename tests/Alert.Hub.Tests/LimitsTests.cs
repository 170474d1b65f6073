using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alert.Hub.Auth;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Alert.Hub.Tests;

/// <summary>The embedded hub with buckets small enough to empty in a test: 5 requests per identity, 3 unknown keys per address.</summary>
public sealed class LimitedHub : EmbeddedHub
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Alert:RateLimits:Issuer:Burst"] = "5",
        ["Alert:RateLimits:Issuer:PerMinute"] = "1",
        ["Alert:RateLimits:Field:Burst"] = "2",
        ["Alert:RateLimits:Field:PerMinute"] = "1",
        ["Alert:RateLimits:UnknownKeys:Burst"] = "3",
        ["Alert:RateLimits:UnknownKeys:PerMinute"] = "1",
    };
}

public static class Limits
{
    public static string Notice(string identifier) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "examples", "evacuation-order.xml"))
            .Replace("431001-20260701-0001", identifier, StringComparison.Ordinal);

    public static async Task<long> CountAsync(HubFixture hub, string table)
    {
        await using var connection = await hub.Services.GetRequiredService<Db>().OpenAsync();
        return await connection.QuerySingleAsync<long>($"SELECT COUNT(*) FROM {table}");
    }

    /// <summary>A refusal as every refusal is: problem+json with the code, and each error's code and texts in both languages.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        response.StatusCode.ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().ShouldBe(code);
        problem.GetProperty("titleJa").GetString().ShouldNotBeNullOrWhiteSpace();
        var error = problem.GetProperty("errors").EnumerateArray().ShouldHaveSingleItem();
        error.GetProperty("code").GetString().ShouldBe(code);
        error.GetProperty("ja").GetString().ShouldNotBeNullOrWhiteSpace();
        error.GetProperty("en").GetString().ShouldNotBeNullOrWhiteSpace();
        return error;
    }

    public static int RetryAfter(HttpResponseMessage response) =>
        int.Parse(response.Headers.GetValues("Retry-After").ShouldHaveSingleItem(), NumberStyles.None, CultureInfo.InvariantCulture);
}

/// <summary>Each identity has its own bucket: one desk over its limit is refused, with nothing stored, while another is served.</summary>
public class RateLimitTests(LimitedHub hub) : IClassFixture<LimitedHub>
{
    [Fact]
    public async Task An_identity_over_its_bucket_gets_429_with_Retry_After_and_nothing_stored_while_another_is_served()
    {
        for (var i = 0; i < 5; i++)
        {
            using var accepted = await hub.PostCapAsync(Limits.Notice($"rate-{Guid.NewGuid():N}"));
            accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, $"notice {i + 1} of the burst");
        }
        var (documents, audit) = (await Limits.CountAsync(hub, "documents"), await Limits.CountAsync(hub, "audit"));

        using var refused = await hub.PostCapAsync(Limits.Notice($"rate-{Guid.NewGuid():N}"));

        var error = await Limits.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate.limited");
        var seconds = Limits.RetryAfter(refused);
        seconds.ShouldBeGreaterThan(0);
        error.GetProperty("en").GetString()!.ShouldContain($"{seconds} s");
        (await Limits.CountAsync(hub, "documents")).ShouldBe(documents);
        (await Limits.CountAsync(hub, "audit")).ShouldBe(audit); // refused before intake: not even a refusal to record

        // Another desk of the same city, with its own key: its bucket is its own.
        await hub.AddIssuerAsync(new Identity("test-kumamoto-second", "熊本市（第二端末）", Roles.Issuer, "43100"), "second-issuer-key");
        using var other = await hub.PostCapAsync(Limits.Notice($"rate-{Guid.NewGuid():N}"), key: "second-issuer-key");
        other.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await Limits.CountAsync(hub, "documents")).ShouldBe(documents + 1);

        // Public reads are not counted against anyone.
        using var alerts = await hub.SendAsync(HttpMethod.Get, "/api/v1/alerts?code=431001", null, null);
        alerts.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Field_staff_have_a_bucket_of_their_own_far_smaller_than_a_desks()
    {
        await FieldReportsTests.AddFieldAsync(hub);
        for (var i = 0; i < 2; i++)
        {
            using var sent = await hub.SendAsync(HttpMethod.Post, "/api/v1/field-reports", FieldReportsTests.Form("other", $"報告 {i + 1}"), FieldReportsTests.FieldKey);
            sent.StatusCode.ShouldBe(HttpStatusCode.Created, $"report {i + 1} of the burst");
        }
        var reports = await Limits.CountAsync(hub, "field_reports");

        using var refused = await hub.SendAsync(HttpMethod.Post, "/api/v1/field-reports", FieldReportsTests.Form("other", "3 件目"), FieldReportsTests.FieldKey);

        await Limits.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate.limited");
        (await Limits.CountAsync(hub, "field_reports")).ShouldBe(reports);
    }
}

/// <summary>Unknown keys spend their address's bucket; once it is empty, unknown keys from there get 429, good keys still work.</summary>
public class UnknownKeyLimitTests(LimitedHub hub) : IClassFixture<LimitedHub>
{
    [Fact]
    public async Task An_address_sending_unknown_keys_is_slowed_while_good_keys_from_it_are_served()
    {
        for (var i = 0; i < 3; i++)
        {
            using var unknown = await hub.SendAsync(HttpMethod.Get, "/api/v1/notices/x", null, $"ak_unknown_{i}");
            await Limits.ProblemAsync(unknown, HttpStatusCode.Unauthorized, "auth.required");
        }

        using var refused = await hub.SendAsync(HttpMethod.Get, "/api/v1/notices/x", null, "ak_unknown_3");
        await Limits.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate.limited");
        Limits.RetryAfter(refused).ShouldBeGreaterThan(0);

        // A desk behind the same address (a prefecture's network, a carrier's NAT) is not shut out by a guesser:
        // its key is served (404: no such notice, which only a known key can learn).
        using var good = await hub.SendAsync(HttpMethod.Get, "/api/v1/notices/x", null, HubFixture.IssuerKey);
        good.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Residents' apps send no key: public reads go on.
        using var alerts = await hub.SendAsync(HttpMethod.Get, "/api/v1/alerts?code=431001", null, null);
        alerts.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

/// <summary>
/// Every body has a bound, answered 413 with its limit in bytes, through the in-process server and through Kestrel
/// alike: a declared length over it is refused at once, a chunked body when it passes it.
/// </summary>
public abstract class BodyLimitTests(HubFixture hub)
{
    private const int JsonLimit = 262_144;
    private const int NoticeLimit = 1_048_576;

    private static byte[] Subscriber(string url, int size)
    {
        // Padded with white space after the object: the fields themselves have bounds of their own (a name is 200 at most).
        var json = JsonSerializer.Serialize(new { name = "signage", kind = "signage", url, areaCodes = new[] { "431001" } });
        return Encoding.UTF8.GetBytes(json + new string(' ', size - json.Length));
    }

    private async Task<HttpResponseMessage> PostAsync(string path, byte[] body, string contentType, string key, bool chunked)
    {
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (chunked) content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new("Bearer", key);
        if (chunked) request.Headers.TransferEncodingChunked = true;
        var response = await hub.Client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_subscriber_body_over_its_bound_is_413_and_creates_nothing(bool chunked)
    {
        var url = hub.Sink.Url(Guid.NewGuid().ToString("N"));
        var before = await Limits.CountAsync(hub, "subscribers");

        using var refused = await PostAsync("/api/v1/subscribers", Subscriber(url, JsonLimit + 1), "application/json", HubFixture.AdminKey, chunked);

        var error = await Limits.ProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge, "request.too-large");
        error.GetProperty("en").GetString()!.ShouldContain("262,144 bytes");
        error.GetProperty("ja").GetString()!.ShouldContain("262,144 バイト");
        (await Limits.CountAsync(hub, "subscribers")).ShouldBe(before);

        using var within = await PostAsync("/api/v1/subscribers", Subscriber(url, JsonLimit), "application/json", HubFixture.AdminKey, chunked);
        within.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await Limits.CountAsync(hub, "subscribers")).ShouldBe(before + 1);
        var id = (await within.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var _ = await hub.SendAsAdminAsync(HttpMethod.Delete, $"/api/v1/subscribers/{id}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_notice_over_its_bound_is_413_and_one_of_exactly_the_bound_is_accepted(bool chunked)
    {
        string Padded(int size)
        {
            var cap = Limits.Notice($"size-{Guid.NewGuid():N}");
            return cap.Replace("</alert>", $"<!--{new string('p', size - Encoding.UTF8.GetByteCount(cap) - "<!---->".Length)}--></alert>", StringComparison.Ordinal);
        }
        var before = await Limits.CountAsync(hub, "documents");

        using var refused = await PostAsync("/api/v1/notices", Encoding.UTF8.GetBytes(Padded(NoticeLimit + 1)), "application/cap+xml", HubFixture.IssuerKey, chunked);

        var error = await Limits.ProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge, "request.too-large");
        error.GetProperty("en").GetString()!.ShouldContain("1,048,576 bytes");
        (await Limits.CountAsync(hub, "documents")).ShouldBe(before);

        // Exactly at the bound it is a notice like any other: no limit in characters trips before the one in bytes.
        using var accepted = await PostAsync("/api/v1/notices", Encoding.UTF8.GetBytes(Padded(NoticeLimit)), "application/cap+xml", HubFixture.IssuerKey, chunked);
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
    }
}

public class BodyLimitsInProcess(EmbeddedHub hub) : BodyLimitTests(hub), IClassFixture<EmbeddedHub>;

public class BodyLimitsOnKestrel(ListeningHub hub) : BodyLimitTests(hub), IClassFixture<ListeningHub>;

/// <summary>A problem repeats what was sent only as far as it helps to recognise it.</summary>
public class EchoBoundTests(EmbeddedHub hub) : IClassFixture<EmbeddedHub>
{
    [Fact]
    public void Quoted_values_are_cut_to_a_hundred_characters_and_the_rest_of_the_text_kept()
    {
        var value = new string('a', 500);
        HubProblems.Bounded($"値「{value}」は許されていません。").ShouldBe($"値「{value[..100]}…」は許されていません。");
        HubProblems.Bounded($"The notice's value '{value}' of <status> is not allowed; the issuer's key is fine.")
            .ShouldBe($"The notice's value '{value[..100]}…' of <status> is not allowed; the issuer's key is fine.");
        HubProblems.Bounded($"Malformed JSON: \"{value}\" at $.name").ShouldBe($"Malformed JSON: \"{value[..100]}…\" at $.name");
        HubProblems.Bounded("短い「値」はそのまま。").ShouldBe("短い「値」はそのまま。");
        // A quote that never closes, or a path naming a huge element: the whole text is bounded.
        HubProblems.Bounded("「" + new string('b', 900_000)).ShouldBe("「" + new string('b', 999) + "…");
        HubProblems.Bounded("/alert/" + new string('n', 450_000)).ShouldBe("/alert/" + new string('n', 993) + "…");
    }

    [Fact]
    public async Task A_900_KB_invalid_value_comes_back_as_its_first_hundred_characters()
    {
        var value = new string('x', 900_000);
        var cap = Limits.Notice($"echo-{Guid.NewGuid():N}").Replace("<status>Actual</status>", $"<status>{value}</status>", StringComparison.Ordinal);

        using var refused = await hub.PostCapAsync(cap);

        refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var text = await refused.Content.ReadAsStringAsync();
        text.Length.ShouldBeLessThan(10_000);
        text.ShouldNotContain(new string('x', 101));
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ToList();
        var status = errors.First(e => e.GetProperty("code").GetString() == "cap.schema.invalid-value");
        status.GetProperty("ja").GetString()!.ShouldContain($"「{new string('x', 100)}…」");
        status.GetProperty("en").GetString()!.ShouldContain($"'{new string('x', 100)}…'");
    }

    [Fact]
    public async Task A_title_that_quotes_a_huge_identifier_comes_back_bounded()
    {
        // Accepted once, then sent again with other content: the conflict's title names the identifier.
        var identifier = $"echo-{Guid.NewGuid():N}-" + new string('y', 400_000);
        using (var first = await hub.PostCapAsync(Limits.Notice(identifier)))
            first.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        using var again = await hub.PostCapAsync(Limits.Notice(identifier).Replace("熊本市", "熊本市役所", StringComparison.Ordinal));

        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var text = await again.Content.ReadAsStringAsync();
        text.Length.ShouldBeLessThan(10_000);
        var problem = await again.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("title").GetString()!.Length.ShouldBeLessThanOrEqualTo(10 * HubProblems.MaxEcho + 1);
        problem.GetProperty("titleJa").GetString()!.Length.ShouldBeLessThanOrEqualTo(10 * HubProblems.MaxEcho + 1);
    }
}
