using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Core.Codes;
using Alert.Geo;
using Alert.Hub.Alerts;
using Alert.Hub.Storage;
using Dapper;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

/// <summary>
/// "What applies here" for residents and apps: notices in force at a point or in an area, most severe first, with
/// drawn shapes (districts, circles) honoured inside a ward and cancels taking effect at once.
/// </summary>
public class AlertsTests(EmbeddedHub hub) : IClassFixture<EmbeddedHub>
{
    // Town points from the bundled data: 出水一丁目 and 辛島町, both in 熊本市中央区.
    private const string Demizu = "lat=32.788933&lng=130.732314";
    private const string Karashima = "lat=32.799016&lng=130.702683";

    private static CapAlert Order(string code, string severity = "Severe", string status = "Actual", CapArea? area = null)
    {
        var alert = CapWriter.EvacuationOrder($"alerts-{Guid.NewGuid():N}", code, "熊本市", DateTimeOffset.Now, status: status);
        var info = alert.Infos[0] with { Severity = severity };
        return alert with { Infos = [area is null ? info : info with { Areas = [area] }] };
    }

    private async Task<string> IssueAsync(CapAlert alert)
    {
        using var response = await hub.PostCapAsync(alert);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body.ToString());
        return body.GetProperty("id").GetString()!;
    }

    private async Task<List<string>> AlertIdsAsync(string query) =>
        (await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?" + query)).GetProperty("alerts").EnumerateArray()
            .Select(a => a.GetProperty("id").GetString()!).ToList();

    private Task Shown(string query, string id) =>
        HubFixture.Eventually(async () => (await AlertIdsAsync(query)).Contains(id), $"{id} at {query}");

    [Fact]
    public async Task A_ward_order_is_found_at_a_point_in_the_ward_and_by_city_and_prefecture_but_not_next_door()
    {
        var id = await IssueAsync(Order("431010")); // 中央区

        await Shown(Demizu, id);
        var answer = await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?" + Demizu);
        answer.GetProperty("area").GetProperty("code").GetString().ShouldBe("431010");
        var alert = answer.GetProperty("alerts").EnumerateArray().Single(a => a.GetProperty("id").GetString() == id);
        alert.GetProperty("severity").GetString().ShouldBe("Severe");
        alert.GetProperty("sent").GetString().ShouldEndWith("+09:00"); // Japan time, as notices are read
        alert.GetProperty("approximate").GetBoolean().ShouldBeFalse();
        alert.GetProperty("areas")[0].GetProperty("name").GetString().ShouldBe("熊本県熊本市中央区");
        alert.GetProperty("links").GetProperty("cap").GetString().ShouldBe($"/api/v1/notices/{id}/revisions/1/cap");

        (await AlertIdsAsync("code=431001")).ShouldContain(id);   // the city covers its wards
        (await AlertIdsAsync("code=43")).ShouldContain(id);       // and the prefecture its municipalities
        (await AlertIdsAsync("code=431028")).ShouldNotContain(id); // 東区
        (await AlertIdsAsync("lat=32.834329&lng=130.735793")).ShouldNotContain(id); // 乗越ケ丘, 北区
    }

    [Fact]
    public async Task The_most_severe_comes_first_whatever_the_order_of_issue()
    {
        var minor = await IssueAsync(Order("431036", "Moderate")); // 西区
        var extreme = await IssueAsync(Order("431036", "Extreme"));
        var severe = await IssueAsync(Order("431036", "Severe"));

        foreach (var id in new[] { minor, extreme, severe }) await Shown("code=431036", id);
        var ids = await AlertIdsAsync("code=431036");
        ids.Where(i => i == minor || i == extreme || i == severe).ShouldBe([extreme, severe, minor]);
    }

    [Fact]
    public async Task A_circle_is_routed_to_the_wards_under_it_and_covers_only_its_inside()
    {
        var circle = new CapArea("辛島町付近", [], ["32.7990,130.7027 0.3"], []);
        using var response = await hub.PostCapAsync(Order("431001", area: circle));
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, receipt.ToString());
        receipt.GetProperty("areas").EnumerateArray().Select(a => a.GetProperty("code").GetString()).ShouldBe(["431010"]);
        var id = receipt.GetProperty("id").GetString()!;

        await Shown(Karashima, id);
        (await AlertIdsAsync(Demizu)).ShouldNotContain(id); // the same ward, 3 km away
    }

    [Fact]
    public async Task A_circle_reaching_into_a_neighbour_is_out_of_scope_and_at_sea_unroutable()
    {
        // 10 km around 北区 reaches 合志市 and 菊陽町, which 熊本市 does not speak for.
        using var outside = await hub.PostCapAsync(Order("431001", area: new CapArea("北部", [], ["32.87,130.70 10"], [])));
        outside.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var problem = await outside.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().ShouldBe("notice.out-of-scope");
        problem.GetProperty("errors").EnumerateArray().ShouldAllBe(e => e.GetProperty("path").GetString() == "/alert/info[1]/area[1]/circle[1]");
        problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("en").GetString()).ShouldContain(e => e!.Contains("合志市"));

        using var sea = await hub.PostCapAsync(Order("431001", area: new CapArea("沖合", [], ["32.00,129.00 5"], [])));
        sea.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await sea.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe("geo.shape.no-municipality");
    }

    [Fact]
    public async Task A_district_order_covers_its_town_cell_approximately_and_not_the_rest_of_the_ward()
    {
        var xml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", "evacuation.xml"))
            .Replace("431001-2026-0042", $"alerts-{Guid.NewGuid():N}", StringComparison.Ordinal)
            .Replace("    <validUntil>2026-07-02T03:00:00+09:00</validUntil>\n", "", StringComparison.Ordinal); // the example's day is over
        // Only the 出水一丁目 district: the ward-wide and polygon districts of the example would cover 辛島町 too.
        xml = xml[..xml.IndexOf("    <district>\n      <areaCode>", StringComparison.Ordinal)] + xml[xml.IndexOf("  </evacuation>", StringComparison.Ordinal)..];
        using var response = await hub.PostCapAsync(xml, contentType: "application/vnd.alert-hub.notice+xml");
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await Shown(Demizu, id);
        var alert = (await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?" + Demizu)).GetProperty("alerts").EnumerateArray()
            .Single(a => a.GetProperty("id").GetString() == id);
        alert.GetProperty("level").GetInt32().ShouldBe(4);
        alert.GetProperty("approximate").GetBoolean().ShouldBeTrue();
        (await AlertIdsAsync(Karashima)).ShouldNotContain(id);
    }

    [Fact]
    public async Task A_cancelled_notice_is_gone_at_once_and_drills_stay_apart()
    {
        var order = Order("431044"); // 南区
        var id = await IssueAsync(order);
        var drill = await IssueAsync(Order("431044", status: "Exercise"));
        await Shown("code=431044", id);
        await Shown("code=431044&status=Exercise", drill);
        (await AlertIdsAsync("code=431044")).ShouldNotContain(drill);

        var cancel = CapWriter.EvacuationOrder($"alerts-{Guid.NewGuid():N}", "431044", "熊本市", DateTimeOffset.Now, "Cancel",
            new CapReference(order.Sender, order.Identifier, CapWriter.Time(order.Sent)));
        (await hub.PostCapAsync(cancel)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        await HubFixture.Eventually(async () => !(await AlertIdsAsync("code=431044")).Contains(id), "the cancel to take the notice away");
    }

    [Fact]
    public async Task A_change_whose_log_rows_were_pruned_unseen_still_takes_effect() =>
        // As if the hub had been away while the notice was cancelled elsewhere and the log was pruned past the cancel's
        // row: no row left names the change, and only a look at everything in force can find it.
        await CancelledBehindTheHubAsync("431036", async (connection, tx, id, now) => // 西区
        {
            var gone = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO outbox (document_id, revision, message_type, payload, created_at, sent_at)
                VALUES (@id, 2, 'NoticeAccepted', '{}', @now, @now) RETURNING id
                """, new { id, now }, tx);
            await connection.ExecuteAsync("DELETE FROM outbox WHERE id = @gone", new { gone }, tx);
            await connection.ExecuteAsync("UPDATE outbox_horizon SET pruned_up_to = @gone", new { gone }, tx);
        }, "the pruned cancel to take the notice away");

    [Fact]
    public async Task A_cancel_more_than_a_page_of_the_log_past_the_last_look_still_takes_effect() =>
        // The log is read a page at a time: the cancel's row comes after more rows than a page holds (rows of other
        // documents, already sent), so it is seen only if the look goes on past the first page.
        await CancelledBehindTheHubAsync("431028", async (connection, tx, id, now) => // 東区
        {
            await connection.ExecuteAsync("""
                INSERT INTO outbox (document_id, revision, message_type, payload, created_at, sent_at)
                VALUES (@document, 1, 'NoticeAccepted', '{}', @now, @now)
                """, Enumerable.Range(0, ActiveAlerts.TailPage + 10).Select(i => new { document = $"elsewhere-{i}", now }), tx);
            await connection.ExecuteAsync("""
                INSERT INTO outbox (document_id, revision, message_type, payload, created_at, sent_at)
                VALUES (@id, 2, 'NoticeAccepted', '{}', @now, @now)
                """, new { id, now }, tx);
        }, "the cancel past a page of the log to take the notice away");

    /// <summary>
    /// An order for <paramref name="code"/>, issued and shown, then cancelled in the database behind the hub's back, in
    /// one transaction with what <paramref name="log"/> writes to the outbox; the order must leave the notices in force.
    /// </summary>
    private async Task CancelledBehindTheHubAsync(string code, Func<DbConnection, DbTransaction, string, DateTimeOffset, Task> log, string what)
    {
        var id = await IssueAsync(Order(code));
        await Shown($"code={code}", id);
        await using (var connection = await hub.Services.GetRequiredService<Db>().OpenAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync("UPDATE documents SET state = 'cancelled' WHERE id = @id", new { id }, tx);
            await log(connection, tx, id, DateTimeOffset.UtcNow);
            await tx.CommitAsync();
        }

        await HubFixture.Eventually(async () => !(await AlertIdsAsync($"code={code}")).Contains(id), what);
    }

    [Fact]
    public async Task A_stored_revision_that_no_longer_reads_is_left_out_and_other_changes_still_take_effect()
    {
        var broken = await IssueAsync(Order("431028")); // 東区
        var cancelled = await IssueAsync(Order("431052")); // 北区
        await Shown("code=431028", broken);
        await Shown("code=431052", cancelled);

        // A second revision whose stored CAP no longer reads (as after a reader changed between releases), and in the
        // same commit another notice's cancel: the cancel must not wait behind the revision that cannot be read.
        await using (var connection = await hub.Services.GetRequiredService<Db>().OpenAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            var now = DateTimeOffset.UtcNow;
            await connection.ExecuteAsync("""
                INSERT INTO notices (document_id, revision, sender, identifier, sent, msg_type, title, area_codes, part_codes, area_wkb,
                                     area_source, expires, body_sha256, cap_body, source_type, source_body, received_at, proxy_for, signed_with)
                SELECT document_id, 2, sender, identifier || '-2', sent, 'Update', title, area_codes, part_codes, area_wkb,
                       area_source, expires, body_sha256, @garbage, source_type, source_body, received_at, proxy_for, signed_with
                FROM notices WHERE document_id = @broken
                """, new { broken, garbage = "not a CAP document"u8.ToArray() }, tx);
            await connection.ExecuteAsync("UPDATE documents SET current_revision = 2 WHERE id = @broken", new { broken }, tx);
            await connection.ExecuteAsync("UPDATE documents SET state = 'cancelled' WHERE id = @cancelled", new { cancelled }, tx);
            foreach (var (document, revision) in new[] { (broken, 2), (cancelled, 1) })
                await connection.ExecuteAsync("""
                    INSERT INTO outbox (document_id, revision, message_type, payload, created_at, sent_at)
                    VALUES (@document, @revision, 'NoticeAccepted', '{}', @now, @now)
                    """, new { document, revision, now }, tx);
            await tx.CommitAsync();
        }

        await HubFixture.Eventually(async () => !(await AlertIdsAsync("code=431052")).Contains(cancelled), "the cancel to take its notice away");
        (await AlertIdsAsync("code=431028")).ShouldNotContain(broken, "the revision that cannot be read is left out, not shown as the one before it");
    }

    [Fact]
    public async Task A_notice_past_its_expiry_is_let_go_of_not_only_hidden()
    {
        var order = Order("431044"); // 南区
        var id = await IssueAsync(order with { Infos = [order.Infos[0] with { Expires = DateTimeOffset.Now.AddSeconds(3) }] });
        await Shown("code=431044", id);

        // Queries hide a notice once its expiry passes; the index must also drop it, or a long day of notices in force
        // would keep every expired one in memory and in every answer's filtering.
        var alerts = hub.Services.GetRequiredService<ActiveAlerts>();
        var ward = hub.Services.GetRequiredService<Gazetteer>().Find(LocalGovernmentCode.Parse("431044"))!;
        alerts.HeldIn(ward).ShouldContain(a => a.Id == id);
        await HubFixture.Eventually(() => Task.FromResult(alerts.HeldIn(ward).All(a => a.Id != id)), "the index to let the expired notice go");
        (await AlertIdsAsync("code=431044")).ShouldNotContain(id);
    }

    [Theory]
    [InlineData("", "request.query.lat")]
    [InlineData("lat=32.8", "request.query.lng")]
    [InlineData("lat=north&lng=130.7", "request.query.lat")]
    [InlineData("lat=32.8&lng=200", "request.query.lng")]
    [InlineData("lat=32.8&lng=130.7&code=43", "request.query.code")]
    [InlineData("code=43999", "code.unknown")]
    [InlineData("code=431002", "code.check-digit")]
    [InlineData("code=43&status=Draft", "request.query.status")]
    public async Task A_bad_query_is_told_what_is_wrong(string query, string code)
    {
        using var response = await hub.Client.GetAsync("/api/v1/alerts?" + query);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()).ShouldContain(code);
    }

    [Fact]
    public async Task At_sea_there_is_no_municipality_and_nothing_applies()
    {
        var answer = await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?lat=32.0&lng=129.0");

        answer.GetProperty("area").ValueKind.ShouldBe(JsonValueKind.Null);
        answer.GetProperty("alerts").GetArrayLength().ShouldBe(0);
    }
}
