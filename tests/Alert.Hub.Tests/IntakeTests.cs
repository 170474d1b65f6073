using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Hub.Auth;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

/// <summary>Bad input gets problem+json listing every problem, with line, path and both languages, and changes nothing.</summary>
public class IntakeTests(EmbeddedHub hub) : IClassFixture<EmbeddedHub>
{
    private static string Example(string identifier) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "examples", "evacuation-order.xml"))
            .Replace("431001-20260701-0001", identifier, StringComparison.Ordinal);

    public static TheoryData<string, string, string, HttpStatusCode, string, int> BadNotices => new()
    {
        { "missing scope", "  <scope>Public</scope>\n", "", HttpStatusCode.UnprocessableEntity, "cap.schema.unexpected-element", 8 },
        { "wrong order", "<sender>bousai@city.kumamoto.example</sender>\n  <sent>2026-07-01T03:00:00+09:00</sent>",
            "<sent>2026-07-01T03:00:00+09:00</sent>\n  <sender>bousai@city.kumamoto.example</sender>", HttpStatusCode.UnprocessableEntity, "cap.schema.unexpected-element", 4 },
        { "unknown code", "<value>431001</value>", "<value>43999</value>", HttpStatusCode.UnprocessableEntity, "code.unknown", 23 },
        { "bad check digit", "<value>431001</value>", "<value>431002</value>", HttpStatusCode.UnprocessableEntity, "code.check-digit", 23 },
        { "DTD", "<alert ", "<!DOCTYPE alert [<!ENTITY e \"x\">]>\n<alert ", HttpStatusCode.BadRequest, "xml.dtd", 2 },
    };

    [Theory]
    [MemberData(nameof(BadNotices))]
    public async Task A_bad_notice_is_refused_with_every_problem_and_nothing_is_stored_or_sent(
        string why, string find, string replace, HttpStatusCode status, string code, int line)
    {
        var (_, hook) = await hub.SubscribeAsync(["43"]);
        var identifier = $"bad-{Guid.NewGuid():N}";
        var bad = Example(identifier).Replace(find, replace, StringComparison.Ordinal);
        bad.ShouldNotBe(Example(identifier), why);

        using var response = await hub.PostCapAsync(bad);

        response.StatusCode.ShouldBe(status, why);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().ShouldBe("notice.invalid");
        problem.GetProperty("titleJa").GetString().ShouldNotBeNullOrWhiteSpace();
        var error = problem.GetProperty("errors").EnumerateArray().ShouldHaveSingleItem(why);
        error.GetProperty("code").GetString().ShouldBe(code, why);
        error.GetProperty("line").GetInt32().ShouldBe(line, why);
        error.GetProperty("path").GetString().ShouldNotBeNullOrWhiteSpace();
        error.GetProperty("ja").GetString().ShouldNotBeNullOrWhiteSpace();
        error.GetProperty("en").GetString().ShouldNotBeNullOrWhiteSpace();

        // Nothing was stored under that identifier: the corrected notice with the same identifier is a new document
        // (a stored one would make this a 409), and it is the only thing its subscriber receives with that identifier.
        using var corrected = await hub.PostCapAsync(Example(identifier));
        corrected.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var receipt = await corrected.Content.ReadFromJsonAsync<JsonElement>();
        receipt.GetProperty("revision").GetInt32().ShouldBe(1);
        var id = receipt.GetProperty("id").GetString()!;
        var received = await hub.Sink.WaitForAsync(hook, r => r.Any(x => x.IdempotencyKey.StartsWith(id, StringComparison.Ordinal)));
        received.Where(r => r.Body.Contains(identifier, StringComparison.Ordinal)).ShouldHaveSingleItem().IdempotencyKey.ShouldStartWith(id);
    }

    [Fact]
    public async Task The_document_is_served_and_delivered_byte_for_byte_as_received()
    {
        var (_, hook) = await hub.SubscribeAsync(["43"]);
        var identifier = $"bytes-{Guid.NewGuid():N}";
        var original = Example(identifier).Replace("<status>", "<!-- 熊本市防災課 -->\n  <status>", StringComparison.Ordinal);

        using var response = await hub.PostCapAsync(original);

        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        (await hub.Client.GetStringAsync($"/api/v1/notices/{id}/cap")).ShouldBe(original);
        (await hub.Sink.WaitForDocumentAsync(hook, id)).Body.ShouldBe(original);
    }

    [Fact]
    public async Task An_update_written_against_an_older_revision_is_refused()
    {
        var first = CapWriter.EvacuationOrder($"s1-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now);
        (await hub.PostCapAsync(first)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var reference = new CapReference(first.Sender, first.Identifier, CapWriter.Time(first.Sent));
        var second = CapWriter.EvacuationOrder($"s2-{Guid.NewGuid():N}", "431010", "熊本市中央区", DateTimeOffset.Now, "Update", reference);
        (await hub.PostCapAsync(second)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        // A second desk worker still looking at revision 1.
        var stale = CapWriter.EvacuationOrder($"s3-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now, "Update", reference);
        using var response = await hub.PostCapAsync(stale);

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("notice.stale-revision");
    }

    [Fact]
    public async Task An_expired_notice_leaves_the_feed_and_its_state_says_expired()
    {
        var alert = CapWriter.EvacuationOrder($"exp-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now);
        alert = alert with { Infos = [alert.Infos[0] with { Expires = DateTimeOffset.Now.AddSeconds(2) }] };

        using var response = await hub.PostCapAsync(alert);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        (await hub.Client.GetStringAsync("/feeds/notices.atom")).ShouldContain(id);
        await HubFixture.Eventually(async () => !(await hub.Client.GetStringAsync("/feeds/notices.atom")).Contains(id, StringComparison.Ordinal),
            "the expired notice to leave the feed", TimeSpan.FromSeconds(15));
        (await hub.GetStatusAsync(id)).GetProperty("state").GetString().ShouldBe("expired"); // not shown to its desk as in force
    }

    [Fact]
    public async Task Several_problems_are_all_reported_at_once()
    {
        var bad = Example("many").Replace("<status>Actual</status>", "<status>Real</status>", StringComparison.Ordinal)
            .Replace("<value>431001</value>", "<value>431002</value>", StringComparison.Ordinal);

        using var response = await hub.PostCapAsync(bad);

        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray()
            .Select(e => e.GetProperty("code").GetString()).ToList();
        errors.ShouldBe(["cap.schema.invalid-value", "code.check-digit"], ignoreOrder: true);
    }

    [Fact]
    public async Task Too_many_shapes_are_refused_however_they_are_split_over_infos_and_nothing_is_stored()
    {
        var identifier = $"shapes-{Guid.NewGuid():N}";
        var order = CapWriter.EvacuationOrder(identifier, "431001", "熊本市", DateTimeOffset.Now);
        // Small circles in 熊本市, each centre a little further on: every one is a different shape.
        static List<string> Circles(int from) => Enumerable.Range(from, 101)
            .Select(i => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{32.79 + i * 0.0001:0.0000},{130.71 + i * 0.0001:0.0000} 0.3")).ToList();
        CapInfo Info(string language, List<string> circles) => order.Infos[0] with { Language = language, Areas = [new CapArea("熊本市", [], circles, [])] };
        // 101 in each of two infos: each info is under the bound, the notice (202 different shapes) is over it.
        var tooMany = CapWriter.Write(order with { Infos = [Info("ja-JP", Circles(0)), Info("en-US", Circles(101))] });

        using var response = await hub.PostCapAsync(tooMany);
        using var dryRun = await hub.PostCapAsync(tooMany, path: "/api/v1/notices/validate");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ShouldHaveSingleItem();
        error.GetProperty("code").GetString().ShouldBe("geo.shapes.too-many");
        error.GetProperty("path").GetString().ShouldBe("/alert/info/area");
        error.GetProperty("ja").GetString()!.ShouldContain("202");
        error.GetProperty("en").GetString()!.ShouldContain("202");
        (await dryRun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ShouldHaveSingleItem()
            .GetProperty("code").GetString().ShouldBe("geo.shapes.too-many");

        // Nothing was stored: the identifier still starts a document. The same 101 circles in both infos (one per
        // language) are 101 different shapes, within the bound.
        using var withinBound = await hub.PostCapAsync(order with { Infos = [Info("ja-JP", Circles(0)), Info("en-US", Circles(0))] });
        var receipt = await withinBound.Content.ReadFromJsonAsync<JsonElement>();
        withinBound.StatusCode.ShouldBe(HttpStatusCode.Accepted, receipt.ToString());
        receipt.GetProperty("revision").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task An_issuer_cannot_speak_for_another_town()
    {
        using var response = await hub.PostCapAsync(CapWriter.EvacuationOrder($"x-{Guid.NewGuid():N}", "434434", "益城町", DateTimeOffset.Now));

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ShouldHaveSingleItem();
        error.GetProperty("code").GetString().ShouldBe("notice.out-of-scope");
        error.GetProperty("path").GetString().ShouldBe("/alert/info/area/geocode/value");
    }

    [Fact]
    public async Task An_issuer_without_a_known_area_may_issue_for_nowhere()
    {
        await hub.AddIssuerAsync(new Identity("no-area", "未設定", Roles.Issuer, null), "no-area-key");

        using var response = await hub.PostCapAsync(Example($"na-{Guid.NewGuid():N}"), key: "no-area-key");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("notice.out-of-scope");
    }

    [Fact]
    public async Task Another_issuer_replaying_a_message_learns_nothing_about_it()
    {
        await hub.AddIssuerAsync(new Identity("kumamoto-pref", "熊本県", Roles.Issuer, "43"), "pref-key");
        var xml = Example($"mine-{Guid.NewGuid():N}");
        (await hub.PostCapAsync(xml)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        // As 代行 for 熊本市, so that only the replay itself can be the reason it is turned away.
        using var replay = await hub.PostCapAsync(xml, key: "pref-key", path: "/api/v1/notices?issuerCode=431001");

        replay.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await replay.Content.ReadAsStringAsync()).ShouldNotContain("\"id\"");
    }

    [Fact]
    public async Task Sending_the_same_message_again_is_answered_as_before_and_sent_once()
    {
        var (subscriberId, hook) = await hub.SubscribeAsync(["43"]);
        var xml = CapWriter.Write(CapWriter.EvacuationOrder($"again-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now));

        using var first = await hub.PostCapAsync(xml);
        using var second = await hub.PostCapAsync(xml);

        second.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString().ShouldBe(id);
        // This document's receipt: the new hook may first get an earlier test's notice, still being fanned out.
        await hub.Sink.WaitForDocumentAsync(hook, id!);
        var status = await hub.GetStatusAsync(id!);
        status.GetProperty("revisions").GetArrayLength().ShouldBe(1);
        status.GetProperty("deliveries").EnumerateArray().Count(d => d.GetProperty("subscriberId").GetString() == subscriberId).ShouldBe(1);
    }

    [Fact]
    public async Task The_same_identifier_with_other_content_is_a_conflict()
    {
        var alert = CapWriter.EvacuationOrder($"clash-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now);
        using var first = await hub.PostCapAsync(alert);

        using var second = await hub.PostCapAsync(alert with { Sent = alert.Sent.AddMinutes(1) });

        second.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("notice.duplicate-identifier");
    }

    [Fact]
    public async Task Updating_an_unknown_notice_is_refused()
    {
        var update = CapWriter.EvacuationOrder($"u-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now, "Update",
            new CapReference("nobody@example", "never-sent", "2026-07-01T00:00:00+09:00"));

        using var response = await hub.PostCapAsync(update);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe("cap.references.unknown");
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized, "auth.required")]
    [InlineData("not-a-key", HttpStatusCode.Unauthorized, "auth.required")]
    [InlineData(HubFixture.AdminKey, HttpStatusCode.Forbidden, "auth.forbidden")]
    public async Task Only_an_issuer_key_may_submit(string? key, HttpStatusCode status, string code)
    {
        using var response = await hub.SendAsync(HttpMethod.Post, "/api/v1/notices",
            new StringContent(Example("k"), System.Text.Encoding.UTF8, "application/cap+xml"), key);

        response.StatusCode.ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe(code);
    }

    [Fact]
    public async Task Other_content_types_are_refused()
    {
        using var response = await hub.PostCapAsync(Example("plain"), contentType: "text/plain");

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("request.content-type");
    }

    private static string Native(string name, string documentId) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", name))
            .Replace("431001-2026-0042", documentId, StringComparison.Ordinal);

    [Fact]
    public async Task A_native_notice_in_json_is_accepted_and_goes_out_as_CAP()
    {
        var (_, hook) = await hub.SubscribeAsync(["43"]);
        var notice = Alert.Core.Notices.NoticeXmlReader.Read(Native("evacuation.xml", $"json-{Guid.NewGuid():N}")).Notice!;

        using var response = await hub.PostCapAsync(Alert.Core.Notices.NoticeJson.Write(notice), contentType: "application/json");

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var cap = CapReader.Read((await hub.Sink.WaitForDocumentAsync(hook, id)).Body).Alert.ShouldNotBeNull();
        cap.Infos[0].Headline.ShouldBe("【警戒レベル5】熊本市 緊急安全確保（洪水・土砂災害）");
        Alert.Core.Notices.NoticeJson.Write(Alert.Core.Notices.NoticeCap.FromCap(cap)!).ShouldBe(Alert.Core.Notices.NoticeJson.Write(notice));
    }

    [Fact]
    public async Task A_district_outside_the_issuers_area_is_refused_with_where_it_stands()
    {
        var outside = Native("evacuation.xml", $"far-{Guid.NewGuid():N}").Replace("<areaCode>431010</areaCode>", "<areaCode>434434</areaCode>", StringComparison.Ordinal);

        using var response = await hub.PostCapAsync(outside, contentType: "application/xml");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ShouldHaveSingleItem();
        error.GetProperty("code").GetString().ShouldBe("notice.out-of-scope");
        error.GetProperty("path").GetString().ShouldBe("/notice/evacuation/district[2]/areaCode");
    }

    [Theory]
    [InlineData(0.003, HttpStatusCode.Accepted, "shelter.location.near-boundary")] // ~300 m beyond the simplified boundary
    [InlineData(0.2, HttpStatusCode.UnprocessableEntity, "shelter.location.outside-area")] // ~18 km: the wrong place
    public async Task A_shelter_must_stand_in_the_notices_area(double east, HttpStatusCode status, string code)
    {
        // Just east of 熊本市中央区's easternmost boundary point.
        var chuo = Alert.Geo.Gazetteer.LoadBundled().Find(Alert.Core.Codes.LocalGovernmentCode.Parse("43101"))!.Geometry;
        var edge = chuo.Coordinates.MaxBy(c => c.X)!;
        var shelters = Native("shelters.xml", "x").Replace("431001-shelters-20260701", $"edge-{Guid.NewGuid():N}", StringComparison.Ordinal)
            .Replace("lat=\"32.7862305\" lng=\"130.7354818\"", FormattableString.Invariant($"lat=\"{edge.Y:F6}\" lng=\"{edge.X + east:F6}\""), StringComparison.Ordinal);

        using var response = await hub.PostCapAsync(shelters, contentType: "application/xml");

        response.StatusCode.ShouldBe(status, await response.Content.ReadAsStringAsync());
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var entry = (status == HttpStatusCode.Accepted ? answer.GetProperty("warnings") : answer.GetProperty("errors")).EnumerateArray().ShouldHaveSingleItem();
        entry.GetProperty("code").GetString().ShouldBe(code);
        entry.GetProperty("path").GetString().ShouldBe("/notice/shelters/shelter[1]/location");
    }

    [Fact]
    public async Task A_native_notice_names_its_own_issuer()
    {
        using var response = await hub.PostCapAsync(Native("evacuation.xml", $"other-{Guid.NewGuid():N}").Replace("code=\"431001\">熊本市", "code=\"434434\">益城町", StringComparison.Ordinal),
            contentType: "application/vnd.alert-hub.notice+xml");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("notice.issuer.mismatch");
    }

    [Fact]
    public async Task Native_revisions_only_grow()
    {
        var documentId = $"grow-{Guid.NewGuid():N}";
        (await hub.PostCapAsync(Native("evacuation.xml", documentId), contentType: "application/xml")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var update = Native("evacuation.xml", documentId).Replace("<kind>Issue</kind>", "<kind>Update</kind>", StringComparison.Ordinal);
        (await hub.PostCapAsync(update.Replace("<revision>1</revision>", "<revision>3</revision>", StringComparison.Ordinal), contentType: "application/xml"))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);

        using var older = await hub.PostCapAsync(update.Replace("<revision>1</revision>", "<revision>2</revision>", StringComparison.Ordinal), contentType: "application/xml");
        using var again = await hub.PostCapAsync(Native("evacuation.xml", documentId).Replace("<sent>2026-07-01T03:00:00", "<sent>2026-07-01T03:01:00", StringComparison.Ordinal), contentType: "application/xml");

        older.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await older.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("notice.revision.not-newer");
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("notice.revision.exists");
    }

    [Fact]
    public async Task The_lifecycle_refuses_what_would_confuse_receivers()
    {
        var documentId = $"life-{Guid.NewGuid():N}";
        string Revision(string kind, int revision, string mode = "Actual") => Native("evacuation.xml", documentId)
            .Replace("<kind>Issue</kind>", $"<kind>{kind}</kind>", StringComparison.Ordinal)
            .Replace("<revision>1</revision>", $"<revision>{revision}</revision>", StringComparison.Ordinal)
            .Replace("<mode>Actual</mode>", $"<mode>{mode}</mode>", StringComparison.Ordinal)
            .Replace("<sent>2026-07-01T03:00:00", $"<sent>2026-07-01T03:0{revision}:00", StringComparison.Ordinal);
        async Task<string?> Code(string xml)
        {
            using var response = await hub.PostCapAsync(xml, contentType: "application/xml");
            return response.IsSuccessStatusCode ? null : (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
        }

        (await Code(Revision("Issue", 1))).ShouldBeNull();
        (await Code(Revision("Issue", 1).Replace("<persons>903</persons>", "<persons>904</persons>", StringComparison.Ordinal))).ShouldBe("notice.revision.exists");
        (await Code(Revision("Update", 2, "Exercise"))).ShouldBe("notice.mode.mismatch");
        var cancel = Native("cancel.xml", documentId).Replace("<revision>2</revision>", "<revision>3</revision>", StringComparison.Ordinal);
        (await Code(cancel)).ShouldBeNull();
        (await Code(Revision("Update", 4))).ShouldBe("notice.cancelled");
    }

    [Fact]
    public async Task A_second_issue_of_a_document_is_refused()
    {
        var documentId = $"twice-{Guid.NewGuid():N}";
        (await hub.PostCapAsync(Native("evacuation.xml", documentId), contentType: "application/xml")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var other = Native("shelters.xml", "x").Replace("431001-shelters-20260701", documentId, StringComparison.Ordinal);

        using var response = await hub.PostCapAsync(other, contentType: "application/xml");

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("notice.revision.exists");
    }

    [Fact]
    public async Task CAP_references_must_name_one_notice_and_keep_its_mode()
    {
        var first = CapWriter.EvacuationOrder($"m1-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now);
        var second = CapWriter.EvacuationOrder($"m2-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now);
        (await hub.PostCapAsync(first)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await hub.PostCapAsync(second)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        CapReference Ref(CapAlert a) => new(a.Sender, a.Identifier, CapWriter.Time(a.Sent));

        var mixed = CapWriter.EvacuationOrder($"m3-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now, "Update") with { References = [Ref(first), Ref(second)] };
        var drill = CapWriter.EvacuationOrder($"m4-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now, "Update", Ref(first), status: "Exercise");

        using var mixedAnswer = await hub.PostCapAsync(mixed);
        using var drillAnswer = await hub.PostCapAsync(drill);

        (await mixedAnswer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("cap.references.mixed");
        (await drillAnswer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("cap.status.mismatch");
    }

    [Fact]
    public async Task An_update_of_a_document_never_issued_is_refused()
    {
        var update = Native("evacuation.xml", $"never-{Guid.NewGuid():N}").Replace("<kind>Issue</kind>", "<kind>Update</kind>", StringComparison.Ordinal)
            .Replace("<revision>1</revision>", "<revision>2</revision>", StringComparison.Ordinal);

        using var response = await hub.PostCapAsync(update, contentType: "application/xml");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("notice.document-unknown");
    }

    [Fact]
    public async Task The_dry_run_checks_everything_and_stores_nothing()
    {
        var documentId = $"dry-{Guid.NewGuid():N}";
        using var good = await hub.PostCapAsync(Native("evacuation.xml", documentId), contentType: "application/xml", path: "/api/v1/notices/validate");
        var report = await good.Content.ReadFromJsonAsync<JsonElement>();
        report.GetProperty("valid").GetBoolean().ShouldBeTrue();
        report.GetProperty("format").GetString().ShouldBe("notice-xml");

        using var bad = await hub.PostCapAsync(Native("evacuation.xml", documentId).Replace("<level>4</level>", "<level>避難勧告</level>", StringComparison.Ordinal),
            contentType: "application/xml", path: "/api/v1/notices/validate");
        var error = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ShouldHaveSingleItem();
        error.GetProperty("code").GetString().ShouldBe("evacuation.abolished-level");
        error.GetProperty("kind").GetString().ShouldBe("profile");

        // Nothing was stored: the same document can still be issued.
        (await hub.PostCapAsync(Native("evacuation.xml", documentId), contentType: "application/xml")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Plain_CAP_conformance_leaves_the_Japanese_profile_out()
    {
        var foreign = Example($"f-{Guid.NewGuid():N}").Replace("<valueName>JISX0402</valueName>", "<valueName>SAME</valueName>", StringComparison.Ordinal);

        using var plain = await hub.PostCapAsync(foreign, path: "/api/v1/notices/validate?profile=cap");
        using var profiled = await hub.PostCapAsync(foreign, path: "/api/v1/notices/validate");

        (await plain.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("valid").GetBoolean().ShouldBeTrue();
        var error = (await profiled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
        error.GetProperty("code").GetString().ShouldBe("cap.area.no-code");
        error.GetProperty("kind").GetString().ShouldBe("profile");
    }

    [Fact]
    public async Task A_notice_is_served_in_the_format_asked_for()
    {
        var xml = Native("shelters.xml", "x").Replace("431001-shelters-20260701", $"fmt-{Guid.NewGuid():N}", StringComparison.Ordinal);
        using var response = await hub.PostCapAsync(xml, contentType: "application/xml");
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        async Task<HttpResponseMessage> Get(string accept, string path = "")
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/notices/{id}{path}");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", HubFixture.IssuerKey);
            request.Headers.Accept.ParseAdd(accept);
            return await hub.Client.SendAsync(request);
        }

        using var native = await Get("application/vnd.alert-hub.notice+xml");
        (await native.Content.ReadAsStringAsync()).ShouldBe(xml); // as received
        using var json = await Get("application/vnd.alert-hub.notice+json");
        var fromJson = Alert.Core.Notices.NoticeJson.Read(await json.Content.ReadAsStringAsync()).Notice.ShouldNotBeNull();
        Alert.Core.Notices.NoticeJson.Write(fromJson).ShouldBe(Alert.Core.Notices.NoticeJson.Write(Alert.Core.Notices.NoticeXmlReader.Read(xml).Notice!));
        using var cap = await Get("application/cap+xml");
        CapReader.Read(await cap.Content.ReadAsStreamAsync()).Alert.ShouldNotBeNull().Infos[0].Event.ShouldBe("避難所情報");
        using var status = await Get("application/json");
        (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString().ShouldBe("active");
        using var revisions = await Get("application/json", "/revisions");
        (await revisions.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Shelters_without_coordinates_are_placed_from_their_address_and_say_how_closely()
    {
        var shelter = Native("shelters.xml", "x");
        var site = shelter[shelter.IndexOf("    <shelter>", StringComparison.Ordinal)..(shelter.IndexOf("</shelter>", StringComparison.Ordinal) + "</shelter>\n".Length)];
        string Site(string id, string address) => site.Replace("E4310000000101", id, StringComparison.Ordinal)
            .Replace("熊本県熊本市中央区出水2丁目7-1", address, StringComparison.Ordinal)
            .Replace("      <location lat=\"32.7862305\" lng=\"130.7354818\"/>\n", "", StringComparison.Ordinal);
        string Sheet(params string[] sites) => shelter.Replace(site, string.Concat(sites), StringComparison.Ordinal)
            .Replace("431001-shelters-20260701", $"placed-{Guid.NewGuid():N}", StringComparison.Ordinal);

        using var response = await hub.PostCapAsync(Sheet(
            Site("E1", "熊本市中央区出水２丁目７－１"), Site("E2", "中央区水前寺公園9-9"), Site("E3", "熊本市中央区どこにもない町1-1")),
            contentType: "application/vnd.alert-hub.notice+xml");
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, receipt.ToString());
        receipt.GetProperty("warnings").EnumerateArray().Select(w => (w.GetProperty("code").GetString(), w.GetProperty("path").GetString())).ShouldBe([
            ("geo.address.located", "/notice/shelters/shelter[1]/address"),
            ("geo.address.located", "/notice/shelters/shelter[2]/address"),
            ("geo.address.located", "/notice/shelters/shelter[3]/address"),
        ]);

        // What goes out carries the places found, each saying how closely it was placed.
        var id = receipt.GetProperty("id").GetString();
        var cap = CapReader.Read(await hub.Client.GetStreamAsync($"/api/v1/notices/{id}/cap")).Alert.ShouldNotBeNull();
        var sites = ((Alert.Core.Notices.SheltersBody)Alert.Core.Notices.NoticeCap.FromCap(cap)!.Body!).Shelters;
        sites[0].Location.ShouldBe(new Alert.Core.Notices.Location(32.785288m, 130.735154m, Alert.Core.Notices.LocationPrecision.Town)); // 出水二丁目's point
        sites[1].Location!.Precision.ShouldBe(Alert.Core.Notices.LocationPrecision.Town);
        sites[2].Location!.Precision.ShouldBe(Alert.Core.Notices.LocationPrecision.Municipality);

        using var elsewhere = await hub.PostCapAsync(Sheet(Site("E9", "熊本県合志市竹迫2140")), contentType: "application/vnd.alert-hub.notice+xml");
        elsewhere.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await elsewhere.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe("geo.address.outside-area");
        problem.GetProperty("errors")[0].GetProperty("path").GetString().ShouldBe("/notice/shelters/shelter[1]/address");
    }

    [Fact]
    public async Task CAP_from_outside_has_no_native_form()
    {
        using var response = await hub.PostCapAsync(Example($"outside-{Guid.NewGuid():N}"));
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/notices/{id}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", HubFixture.IssuerKey);
        request.Headers.Accept.ParseAdd("application/vnd.alert-hub.notice+json");

        using var native = await hub.Client.SendAsync(request);

        native.StatusCode.ShouldBe(HttpStatusCode.NotAcceptable);
    }

    public static TheoryData<string, string, string> Hostile => new()
    {
        { "application/xml", "", "<revision>+1</revision>" },
        { "application/xml", "", "<revision>99999999999</revision>" },
        { "application/json", "", "{\"envelope\":{\"documentId\":\"x\",\"revision\":1,\"issuerCode\":\"431001\",\"issuerName\":\"熊本市\",\"mode\":\"actual\",\"kind\":\"issue\",\"sent\":\"2026-07-01T03:00:00+09:00\",\"areas\":[{\"code\":\"431010\",\"name\":\"\"}]},\"body\":{\"category\":\"evacuation\",\"districts\":[null]}}" },
        { "text/csv", "?sheet=evacuation-districts&documentId=h1&mode=7", "地区名,地域コード,警戒レベル,災害種別,世帯数,人数,発令日時,解除日時\n黒髪一丁目,431010,4,洪水,1,1,2026-07-01 03:00,\n" },
        { "text/csv", "?sheet=evacuation-districts&documentId=h2&kind=Issue,Update", "地区名\n" },
        { "application/cap+xml", "", "" },
        { "application/json", "", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]" },
    };

    /// <summary>Hostile or odd input is answered with a problem, never a 500, and nothing is stored.</summary>
    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Odd_input_gets_a_problem_never_a_crash(string contentType, string query, string body)
    {
        var text = body.StartsWith("<revision>", StringComparison.Ordinal)
            ? Native("evacuation.xml", $"h-{Guid.NewGuid():N}").Replace("<revision>1</revision>", body, StringComparison.Ordinal)
            : body;

        using var response = await hub.PostCapAsync(text, contentType: contentType, path: "/api/v1/notices" + query);

        ((int)response.StatusCode).ShouldBeLessThan(500, await response.Content.ReadAsStringAsync());
        if (!response.IsSuccessStatusCode) response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task An_oversized_body_is_refused()
    {
        using var response = await hub.PostCapAsync(Example("big").Replace("<description>", "<description>" + new string('x', 1_100_000), StringComparison.Ordinal));

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_bad_subscriber_gets_every_problem_with_its_json_path()
    {
        using var response = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/subscribers",
            new { name = "", url = "ftp://example", areaCodes = new[] { "43", "431002", "99" }, statuses = new[] { "Draft" } });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("code").GetString(), e.GetProperty("path").GetString())).ToList();
        errors.ShouldBe([
            ("subscriber.name", "$.name"), ("subscriber.url", "$.url"), ("code.check-digit", "$.areaCodes[1]"),
            ("code.prefecture", "$.areaCodes[2]"), ("subscriber.status", "$.statuses[0]"),
        ]);
    }

    [Fact]
    public async Task Malformed_subscriber_json_gives_its_line()
    {
        using var response = await hub.SendAsync(HttpMethod.Post, "/api/v1/subscribers",
            new StringContent("{\n  \"name\": \"x\",\n  \"url\": }", System.Text.Encoding.UTF8, "application/json"), HubFixture.AdminKey);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
        error.GetProperty("code").GetString().ShouldBe("request.json");
        error.GetProperty("line").GetInt32().ShouldBe(3);
    }

    [Fact]
    public async Task Subscribers_are_managed_by_admins_only()
    {
        using var response = await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/subscribers", key: HubFixture.IssuerKey);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
