using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Hub.Tests.Support;
using Shouldly;

namespace Alert.Hub.Tests;

/// <summary>
/// The life-support map layers on both transports and databases: the places of a general notice in force, by
/// municipality or ward and kind, their state and hours; gone with the notice's cancel; shelters from shelters notices.
/// </summary>
public abstract class LayersTests(HubFixture hub)
{
    private static string Sent => CapWriter.Time(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9)));

    /// <summary>A notice of 熊本市 for its 西区: an issue with <paramref name="body"/>, or a cancel with its reason.</summary>
    private static string Native(string documentId, int revision, string kind, string reason, string body) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <notice xmlns="urn:alert-hub:notice:1" version="1.0">
          <envelope>
            <documentId>{documentId}</documentId>
            <revision>{revision}</revision>
            <issuer code="431001">熊本市</issuer>
            <mode>Actual</mode>
            <kind>{kind}</kind>
            {reason}
            <sent>{Sent}</sent>
            <areas>
              <area code="431036">熊本市西区</area>
            </areas>
          </envelope>
          {body}
        </notice>
        """;

    private static string General(string documentId, string places) =>
        Native(documentId, 1, "Issue", "", $"<general><title>給水所と入浴支援</title><text>断水地域に給水所を開設しました。</text>{places}</general>");

    private async Task<string> IssueAsync(string xml)
    {
        using var response = await hub.PostCapAsync(xml, contentType: "application/vnd.alert-hub.notice+xml");
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>The features of one notice in a layer (other tests' notices may be in force beside it).</summary>
    private async Task<List<JsonElement>> FeaturesAsync(string path, string notice)
    {
        using var response = await hub.Client.GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/geo+json");
        var collection = await response.Content.ReadFromJsonAsync<JsonElement>();
        collection.GetProperty("type").GetString().ShouldBe("FeatureCollection");
        return collection.GetProperty("features").EnumerateArray().Where(f => f.GetProperty("properties").GetProperty("notice").GetString() == notice).ToList();
    }

    [Fact]
    public async Task A_general_notices_places_are_on_the_layer_of_their_kind_in_their_ward_and_its_city_until_cancelled()
    {
        var documentId = $"layers-{Guid.NewGuid():N}";
        var id = await IssueAsync(General(documentId, """
            <place><name>西区役所 駐車場</name><kind>water-point</kind><address>熊本県熊本市西区小島2丁目7-1</address>
              <location lat="32.7766" lng="130.6560"/><hours>8:00〜20:00</hours></place>
            <place><name>城山小学校</name><kind>water-point</kind><location lat="32.7838" lng="130.6621"/><state>closed</state></place>
            <place><name>自衛隊 入浴支援</name><kind>bath</kind><location lat="32.7790" lng="130.6600"/><state>preparing</state></place>
            <place><name>西区まちづくりセンター</name><kind>water-point</kind></place>
            """));

        List<JsonElement> water = [];
        await HubFixture.Eventually(async () => (water = await FeaturesAsync("/api/v1/layers/431036/water-points", id)).Count == 2, "the water points on the ward's layer");
        var parking = water.Single(f => f.GetProperty("properties").GetProperty("name").GetString() == "西区役所 駐車場");
        parking.GetProperty("geometry").GetProperty("coordinates").EnumerateArray().Select(c => c.GetDouble()).ShouldBe([130.6560, 32.7766]); // longitude first
        parking.GetProperty("properties").GetProperty("state").GetString().ShouldBe("open"); // not said: open
        parking.GetProperty("properties").GetProperty("hours").GetString().ShouldBe("8:00〜20:00");
        water.Single(f => f.GetProperty("properties").GetProperty("name").GetString() == "城山小学校")
            .GetProperty("properties").GetProperty("state").GetString().ShouldBe("closed");
        // The place without a location is on no map.
        water.ShouldNotContain(f => f.GetProperty("properties").GetProperty("name").GetString() == "西区まちづくりセンター");

        (await FeaturesAsync("/api/v1/layers/431001/water-points", id)).Count.ShouldBe(2); // 熊本市 holds its wards
        (await FeaturesAsync("/api/v1/layers/431036/baths", id)).ShouldHaveSingleItem().GetProperty("properties").GetProperty("state").GetString().ShouldBe("preparing");
        (await FeaturesAsync("/api/v1/layers/431044/water-points", id)).ShouldBeEmpty(); // 南区
        (await FeaturesAsync("/api/v1/layers/431036/wifi", id)).ShouldBeEmpty();
        (await FeaturesAsync("/api/v1/layers/431036/water-points?status=Exercise", id)).ShouldBeEmpty();

        await IssueAsync(Native(documentId, 2, "Cancel", "<reason>給水を終了しました。</reason>", ""));
        await HubFixture.Eventually(async () => (await FeaturesAsync("/api/v1/layers/431036/water-points", id)).Count == 0, "the cancelled notice's places gone");
        (await FeaturesAsync("/api/v1/layers/431036/baths", id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_layer_answers_with_a_validator_and_an_unchanged_one_costs_a_304()
    {
        using var first = await hub.Client.GetAsync("/api/v1/layers/431010/relief-supplies");
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var etag = first.Headers.ETag.ShouldNotBeNull();
        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/layers/431010/relief-supplies") { Headers = { IfNoneMatch = { etag } } };
        using var second = await hub.Client.SendAsync(again);
        second.StatusCode.ShouldBe(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task An_unknown_layer_and_a_wrong_code_are_both_told_in_one_problem()
    {
        using var response = await hub.Client.GetAsync("/api/v1/layers/999999/ice-cream?status=Someday");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        errors.Select(e => e.GetProperty("code").GetString()).ShouldBe(["request.query.status", "code.check-digit", "request.path.layer"], ignoreOrder: true);
        var layer = errors.Single(e => e.GetProperty("code").GetString() == "request.path.layer");
        layer.GetProperty("en").GetString()!.ShouldContain("water-points");
        layer.GetProperty("ja").GetString()!.ShouldContain("ice-cream");
    }
}

public sealed class EmbeddedLayersTests(EmbeddedHub hub) : LayersTests(hub), IClassFixture<EmbeddedHub>;

[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class RabbitPostgresLayersTests(RabbitPostgresHub hub) : LayersTests(hub);
