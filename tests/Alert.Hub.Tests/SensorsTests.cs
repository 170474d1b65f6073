using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alert.Core.Webhooks;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace Alert.Hub.Tests;

/// <summary>
/// Sensor-triggered drafts on both transports and databases: a desk's station and thresholds, signed observations, a
/// draft when a reading rises across a threshold and only then, the desk's decision, and never a notice by itself.
/// </summary>
public abstract class SensorsTests(HubFixture hub)
{
    internal static string Station() => $"gauge-{Guid.NewGuid():N}"[..20];

    /// <summary>白川 at 代継橋, one of 熊本市's gauges: 避難判断水位 3.2 m (level 3), 氾濫危険水位 4.1 m (level 4). Answers its secret.</summary>
    internal static async Task<string> RegisterAsync(HubFixture hub, string id)
    {
        using var response = await hub.SendAsync(HttpMethod.Put, $"/api/v1/stations/{id}", JsonContent.Create(Gauge("431010")), HubFixture.IssuerKey);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
    }

    internal static object Gauge(string areaCode) => new
    {
        name = "白川 代継橋", kind = "river-level", areaCode,
        thresholds = new[] { new { value = 3.2, level = 3 }, new { value = 4.1, level = 4 } },
    };

    /// <summary>A fresh open draft of 熊本市's: a new gauge whose first reading is over 氾濫危険水位.</summary>
    internal static async Task<string> DraftAsync(HubFixture hub)
    {
        var id = Station();
        var secret = await RegisterAsync(hub, id);
        var (_, receipt) = await Send(hub, id, secret, JsonSerializer.Serialize(new { value = 4.5, at = DateTimeOffset.UtcNow }), null);
        return receipt.GetProperty("draftId").GetString()!;
    }

    private Task<string> RegisterAsync(string id) => RegisterAsync(hub, id);

    private Task<(HttpStatusCode Status, JsonElement Body)> ObserveAsync(string station, string secret, double value, DateTimeOffset at, string? signature = null) =>
        SendAsync(station, secret, JsonSerializer.Serialize(new { value, at }), signature);

    private Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(string station, string secret, string json, string? signature = null) =>
        Send(hub, station, secret, json, signature);

    /// <summary>Posts a body as a station's feed would, signed with <paramref name="secret"/> unless another signature is given.</summary>
    internal static async Task<(HttpStatusCode Status, JsonElement Body)> Send(HubFixture hub, string station, string secret, string json, string? signature)
    {
        var body = Encoding.UTF8.GetBytes(json);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/observations/{station}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookSignature.Header, signature ?? WebhookSignature.Sign(secret, body, DateTimeOffset.UtcNow));
        using var response = await hub.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    private async Task<List<JsonElement>> DraftsAsync(string station, string state = "open")
    {
        using var response = await hub.SendAsync(HttpMethod.Get, $"/api/v1/drafts?state={state}", null, HubFixture.IssuerKey);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Where(d => d.GetProperty("stationId").GetString() == station).ToList();
    }

    private async Task<long> NoticesAsync()
    {
        await using var connection = await hub.Services.GetRequiredService<Db>().OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM notices");
    }

    [Fact]
    public async Task A_reading_rising_across_a_threshold_makes_one_draft_per_level_and_never_a_notice()
    {
        var station = Station();
        var secret = await RegisterAsync(station);
        var notices = await NoticesAsync();
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-60);

        (await ObserveAsync(station, secret, 2.5, t0)).Body.GetProperty("level").GetInt32().ShouldBe(0);
        var three = await ObserveAsync(station, secret, 3.4, t0.AddMinutes(10));
        three.Status.ShouldBe(HttpStatusCode.Accepted);
        three.Body.GetProperty("level").GetInt32().ShouldBe(3);
        var first = three.Body.GetProperty("draftId").GetString().ShouldNotBeNull();
        // Still above 避難判断水位: no second draft for the same level.
        (await ObserveAsync(station, secret, 3.9, t0.AddMinutes(20))).Body.GetProperty("draftId").ValueKind.ShouldBe(JsonValueKind.Null);
        // A reading older than the last changes nothing.
        (await ObserveAsync(station, secret, 9.9, t0.AddMinutes(5))).Body.GetProperty("stale").GetBoolean().ShouldBeTrue();
        var four = await ObserveAsync(station, secret, 4.3, t0.AddMinutes(25));
        four.Body.GetProperty("level").GetInt32().ShouldBe(4);

        var drafts = await DraftsAsync(station);
        drafts.Select(d => d.GetProperty("level").GetInt32()).ShouldBe([4, 3]); // newest first
        drafts[1].GetProperty("id").GetString().ShouldBe(first);
        drafts[0].GetProperty("value").GetDouble().ShouldBe(4.3);
        drafts[0].GetProperty("areaCode").GetString().ShouldBe("431010");
        drafts[0].GetProperty("disasterType").GetString().ShouldBe("flood");
        (await NoticesAsync()).ShouldBe(notices, "a draft is never published by itself");

        // The desk sends its notice (as any other) and says so; it dismisses the older draft. Both leave the open list.
        using (var issued = await hub.SendAsync(HttpMethod.Post, $"/api/v1/drafts/{drafts[0].GetProperty("id").GetString()}/issued",
                   JsonContent.Create(new { noticeId = "sent-by-a-person" }), HubFixture.IssuerKey))
            (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString().ShouldBe("issued");
        using (var garbled = await hub.SendAsync(HttpMethod.Post, $"/api/v1/drafts/{first}/dismissed",
                   new StringContent("{\"noticeId\": ", Encoding.UTF8, "application/json"), HubFixture.IssuerKey))
            (await garbled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("request.json"); // and still open
        using (var dismissed = await hub.SendAsync(HttpMethod.Post, $"/api/v1/drafts/{first}/dismissed", null, HubFixture.IssuerKey))
            dismissed.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var again = await hub.SendAsync(HttpMethod.Post, $"/api/v1/drafts/{first}/dismissed", null, HubFixture.IssuerKey))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("draft.decided");
        }
        (await DraftsAsync(station)).ShouldBeEmpty();
        (await DraftsAsync(station, "all")).Select(d => d.GetProperty("state").GetString()).ShouldBe(["issued", "dismissed"]);

        // Down below the first threshold and up again: a new rise, a new draft.
        await ObserveAsync(station, secret, 2.0, t0.AddMinutes(40));
        (await ObserveAsync(station, secret, 3.3, t0.AddMinutes(50))).Body.GetProperty("draftId").GetString().ShouldNotBeNull();
    }

    [Fact]
    public async Task A_reading_unsigned_or_signed_with_another_secret_or_for_no_station_is_401_and_changes_nothing()
    {
        var station = Station();
        var secret = await RegisterAsync(station);
        var now = DateTimeOffset.UtcNow;

        var wrong = await ObserveAsync(station, WebhookSignature.NewSecret(), 5.0, now);
        wrong.Status.ShouldBe(HttpStatusCode.Unauthorized);
        wrong.Body.GetProperty("code").GetString().ShouldBe("observation.signature");
        (await ObserveAsync(station, secret, 5.0, now, signature: "t=1,v1=00")).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await ObserveAsync("no-such-gauge", secret, 5.0, now)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await DraftsAsync(station)).ShouldBeEmpty();
        using var stations = await hub.SendAsync(HttpMethod.Get, "/api/v1/stations", null, HubFixture.IssuerKey);
        var mine = (await stations.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Single(s => s.GetProperty("id").GetString() == station);
        mine.GetProperty("lastValue").ValueKind.ShouldBe(JsonValueKind.Null);

        // Taken out of service: its readings are refused from then on, and it is gone from the desk's list.
        (await ObserveAsync(station, secret, 4.5, now)).Status.ShouldBe(HttpStatusCode.Accepted);
        using (var deleted = await hub.SendAsync(HttpMethod.Delete, $"/api/v1/stations/{station}", null, HubFixture.IssuerKey))
            deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await ObserveAsync(station, secret, 4.6, now.AddSeconds(1))).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await DraftsAsync(station, "all")).ShouldBeEmpty();
        using (var again = await hub.SendAsync(HttpMethod.Delete, $"/api/v1/stations/{station}", null, HubFixture.IssuerKey))
            again.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_bad_station_and_a_bad_reading_are_told_with_every_problem()
    {
        using var station = await hub.SendAsync(HttpMethod.Put, "/api/v1/stations/bad.gauge", JsonContent.Create(new
        {
            name = "", kind = "rainfall", areaCode = "999999",
            thresholds = new[] { new { value = 4.1, level = 4 }, new { value = 3.2, level = 3 } },
        }), HubFixture.IssuerKey);
        station.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await station.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString())
            .ShouldBe(["station.name.invalid", "station.kind.invalid", "station.area-code.invalid", "station.thresholds.order"]);

        using var elsewhere = await hub.SendAsync(HttpMethod.Put, "/api/v1/stations/sapporo-gauge", JsonContent.Create(new
        {
            name = "豊平川", kind = "river-level", areaCode = "011002", thresholds = new[] { new { value = 3.0, level = 3 } },
        }), HubFixture.IssuerKey);
        elsewhere.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await elsewhere.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("station.out-of-scope");

        var id = Station();
        var secret = await RegisterAsync(id);
        var (malformed, json) = await SendAsync(id, secret, """{"value": "high", "at": "yesterday"}""");
        malformed.ShouldBe(HttpStatusCode.BadRequest);
        json.GetProperty("code").GetString().ShouldBe("request.json");
        var (status, problem) = await SendAsync(id, secret, """{"at": "2099-07-01T03:00:00+09:00"}""");
        status.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()).ShouldBe(["observation.value.invalid", "observation.at.invalid"]);
    }
}

public sealed class EmbeddedSensorsTests(EmbeddedHub hub) : SensorsTests(hub), IClassFixture<EmbeddedHub>;

[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class RabbitPostgresSensorsTests(RabbitPostgresHub hub) : SensorsTests(hub);
