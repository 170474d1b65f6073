using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Core.Notices;
using Alert.Hub.Streams;
using Alert.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Alert.Hub.Tests;

/// <summary>
/// The server-sent event stream: filtering by area, category and mode, cancels and expiries as their own events,
/// resuming with Last-Event-ID with no gap and no repeat (also across a restart), heartbeats, and bad queries.
/// </summary>
public abstract class StreamTests(HubFixture hub)
{
    /// <summary>A CAP order from 熊本市 with the hub's category (none: CAP from elsewhere); also used by the AMQP tests.</summary>
    internal static CapAlert Order(string code = "431010", string? category = "evacuation", string msgType = "Alert", CapAlert? replaces = null,
        DateTimeOffset? expires = null, string status = "Actual")
    {
        var alert = CapWriter.EvacuationOrder($"stream-{Guid.NewGuid():N}", code, "熊本市", DateTimeOffset.Now, msgType,
            replaces is null ? null : new CapReference(replaces.Sender, replaces.Identifier, CapWriter.Time(replaces.Sent)), status);
        var info = alert.Infos[0] with
        {
            Expires = expires,
            EventCodes = category is null ? null : [new CapValue(NoticeCap.CategoryCode, category)],
        };
        return alert with { Infos = [info] };
    }

    protected Task<string> IssueAsync(CapAlert alert) => IssueOnAsync(hub, alert);

    protected static async Task<string> IssueOnAsync(HubFixture on, CapAlert alert)
    {
        using var response = await on.PostCapAsync(alert);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body.ToString());
        return body.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Resuming_with_Last_Event_ID_gets_exactly_the_missed_events_even_after_a_restart()
    {
        string resumeFrom;
        await using (var first = await SseClient.OpenAsync(hub.Client, "?codes=431001&categories=evacuation"))
        {
            var seen = await IssueAsync(Order());
            resumeFrom = (await first.WaitForAsync(e => e.DocumentId == seen)).Last().Id!;
        }

        var missed1 = await IssueAsync(Order("431028"));          // 東区
        var elsewhere = await IssueAsync(Order("431044", category: "shelters"));
        await hub.RestartAsync();
        var missed2 = await IssueAsync(Order("431010"));

        await using var resumed = await SseClient.OpenAsync(hub.Client, "?codes=431001&categories=evacuation", resumeFrom);
        var live = await IssueAsync(Order("431052"));
        var events = await resumed.WaitForAsync(e => e.DocumentId == live);

        events.Select(e => e.DocumentId).ShouldBe([missed1, missed2, live]);
        events.Select(e => e.Id).ShouldBeUnique();
        events.Select(e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture)).ShouldBeInOrder(SortDirection.Ascending);
        events.ShouldNotContain(e => e.DocumentId == elsewhere);
    }

    [Fact]
    public async Task A_client_resuming_from_before_what_the_log_still_keeps_is_told_to_reload_and_goes_on_live()
    {
        string seen, missed;
        await using (var first = await SseClient.OpenAsync(hub.Client, "?codes=431001"))
        {
            var a = await IssueAsync(Order());
            seen = (await first.WaitForAsync(e => e.DocumentId == a)).Last().Id!;
            var b = await IssueAsync(Order());
            missed = (await first.WaitForAsync(e => e.DocumentId == b)).Last().Id!;
        }
        var db = hub.Services.GetRequiredService<Alert.Hub.Storage.Db>();
        await using var connection = await db.OpenAsync();
        var horizon = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT pruned_up_to FROM outbox_horizon");
        // As if the retention had passed over the missed event (the pruning itself is tested with the outbox).
        await Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE outbox_horizon SET pruned_up_to = @missed", new { missed = long.Parse(missed, System.Globalization.CultureInfo.InvariantCulture) });
        try
        {
            await using var resumed = await SseClient.OpenAsync(hub.Client, "?codes=431001", seen);
            var live = await IssueAsync(Order());
            var events = await resumed.WaitForAsync(e => e.DocumentId == live);

            events.Select(e => e.Type).ShouldBe(["reset", "notice"]);
            events[0].Data.GetProperty("inForce").GetString().ShouldBe("/api/v1/alerts");
            long.Parse(events[0].Id!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(long.Parse(missed, System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            await Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE outbox_horizon SET pruned_up_to = @horizon", new { horizon });
        }
    }

    [Fact]
    public async Task A_client_resuming_from_an_id_beyond_the_log_is_told_to_reload_and_goes_on_live()
    {
        // An id the log never gave (a client of a database since restored): waiting for it would hide every event until the log got there.
        await using var resumed = await SseClient.OpenAsync(hub.Client, "?codes=431001", "9000000000000");
        var live = await IssueAsync(Order());
        var events = await resumed.WaitForAsync(e => e.DocumentId == live);

        events.Select(e => e.Type).ShouldBe(["reset", "notice"]);
        long.Parse(events[0].Id!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeLessThan(long.Parse(events[1].Id!, System.Globalization.CultureInfo.InvariantCulture));
    }
}

public sealed class EmbeddedStreamTests(StreamingHub hub) : StreamTests(hub), IClassFixture<StreamingHub>
{
    [Fact]
    public async Task A_client_moving_to_a_hub_whose_tail_is_behind_gets_no_event_twice()
    {
        // Two hubs of their own (the notices here would reach this class's other streams late, through its hub's poll).
        // The second is on the first's database with a bus of its own: it reads the log only when its own notices wake
        // it, so it stays behind what the first has sent, as a hub does under load or while its database reads fail.
        var first = new StreamingHub();
        var behind = new HubBeside(first);
        await first.InitializeAsync();
        try
        {
            await behind.InitializeAsync();
            await using (var own = await SseClient.OpenAsync(behind.Client, "?codes=431001"))
            {
                // Its tail has read up to here, and waits to be woken again.
                var its = await IssueOnAsync(behind, Order());
                await own.WaitForAsync(e => e.DocumentId == its);
            }
            string seen;
            await using (var stream = await SseClient.OpenAsync(first.Client, "?codes=431001"))
            {
                var before = await IssueOnAsync(first, Order());
                seen = (await stream.WaitForAsync(e => e.DocumentId == before)).Last().Id!;
            }

            // The client reconnects (a balancer sends it to the other hub) with the last id it saw.
            await using var moved = await SseClient.OpenAsync(behind.Client, "?codes=431001", seen);
            var live = await IssueOnAsync(behind, Order());
            var events = await moved.WaitForAsync(e => e.DocumentId == live);

            events.Select(e => e.DocumentId).ShouldBe([live]);
            long.Parse(events[0].Id!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(long.Parse(seen, System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            await behind.DisposeAsync();
            await first.DisposeAsync();
        }
    }

    /// <summary>A hub on another's SQLite database and files, with an in-memory bus of its own and a stream poll of an hour.</summary>
    private sealed class HubBeside(HubFixture first) : HubFixture
    {
        protected override bool OnKestrel => true;

        protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
        {
            ["Alert:Transport"] = "InMemory",
            ["Alert:Database"] = "Sqlite",
            ["Alert:DataDirectory"] = first.DataDirectory,
            ["Alert:Streams:Poll"] = "01:00:00",
        };
    }

    [Fact]
    public async Task A_cancel_whose_revision_number_skips_some_reaches_streams_filtered_on_what_it_withdraws()
    {
        await using var stream = await SseClient.OpenAsync(hub.Client, "?codes=431010&categories=evacuation");
        var key = $"{Guid.NewGuid():N}";
        const string Native = "application/vnd.alert-hub.notice+xml";
        using (var issued = await hub.PostCapAsync(FeedsTests.NativeRevision("evacuation.xml", key, 1), contentType: Native))
            issued.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        using (var cancelled = await hub.PostCapAsync(FeedsTests.NativeRevision("cancel.xml", key, 5), contentType: Native))
            cancelled.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var events = await stream.WaitForAsync(e => e.Type == "cancel");
        events.Select(e => (e.Type, e.Data.GetProperty("revision").GetInt32())).ShouldBe([("notice", 1), ("cancel", 5)]);
        events[1].Data.GetProperty("category").GetString().ShouldBe("evacuation");
    }

    [Fact]
    public async Task A_matching_notice_arrives_and_others_do_not()
    {
        await using var stream = await SseClient.OpenAsync(hub.Client, "?codes=43101&categories=evacuation,shelters");
        var otherWard = await IssueAsync(Order("431028"));
        var otherCategory = await IssueAsync(Order(category: "general"));
        var foreign = await IssueAsync(Order(category: null));   // CAP without the hub's category is "other"
        var matching = await IssueAsync(Order());

        // Events leave in the order notices were accepted: had the others matched, they would stand before this one.
        var events = await stream.WaitForAsync(e => e.DocumentId == matching);

        var e = events.ShouldHaveSingleItem();
        e.Type.ShouldBe("notice");
        long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture).ShouldBePositive();
        e.Data.GetProperty("revision").GetInt32().ShouldBe(1);
        e.Data.GetProperty("msgType").GetString().ShouldBe("Alert");
        e.Data.GetProperty("status").GetString().ShouldBe("Actual");
        e.Data.GetProperty("category").GetString().ShouldBe("evacuation");
        e.Data.GetProperty("headline").GetString().ShouldBe("【警戒レベル4】熊本市 避難指示（洪水）");
        e.Data.GetProperty("severity").GetString().ShouldBe("Severe");
        e.Data.GetProperty("areas")[0].GetProperty("code").GetString().ShouldBe("431010");
        e.Data.GetProperty("areas")[0].GetProperty("name").GetString().ShouldBe("熊本県熊本市中央区");
        e.Data.GetProperty("sent").GetString().ShouldEndWith("+09:00");
        e.Data.GetProperty("links").GetProperty("cap").GetString().ShouldBe($"/api/v1/notices/{matching}/revisions/1/cap");
        e.Data.GetProperty("links").GetProperty("area").GetString().ShouldBe($"/api/v1/notices/{matching}/area");
        new[] { otherWard, otherCategory, foreign }.ShouldNotContain(e.DocumentId);
    }

    [Fact]
    public async Task Without_filters_every_actual_notice_arrives_and_drills_only_when_asked()
    {
        await using var all = await SseClient.OpenAsync(hub.Client, "");
        await using var drills = await SseClient.OpenAsync(hub.Client, "?status=exercise");
        var drill = CapWriter.EvacuationOrder($"stream-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now, status: "Exercise");
        var drillId = await IssueAsync(drill);
        var actual = await IssueAsync(Order(category: "general"));

        (await all.WaitForAsync(e => e.DocumentId == actual)).ShouldNotContain(e => e.DocumentId == drillId);
        (await drills.WaitForAsync(e => e.DocumentId == drillId)).Last().Data.GetProperty("status").GetString().ShouldBe("Exercise");
    }

    [Fact]
    public async Task A_cancel_arrives_as_a_cancel_event_even_to_those_only_the_earlier_revision_reached()
    {
        await using var east = await SseClient.OpenAsync(hub.Client, "?codes=431028&categories=evacuation"); // 東区
        var first = Order("431001");
        var id = await IssueAsync(first);
        await east.WaitForAsync(e => e.DocumentId == id);

        var narrowed = Order("431010", msgType: "Update", replaces: first);  // 中央区 only: 東区 must hear of it
        await IssueAsync(narrowed);
        await IssueAsync(Order("431010", msgType: "Cancel", replaces: narrowed));

        var events = await east.WaitForAsync(e => e.Type == "cancel");
        events.Select(e => (e.Type, e.DocumentId, e.Data.GetProperty("revision").GetInt32())).ShouldBe([("notice", id, 1), ("notice", id, 2), ("cancel", id, 3)]);
        var cancel = events[^1].Data;
        cancel.GetProperty("msgType").GetString().ShouldBe("Cancel");
        cancel.GetProperty("category").GetString().ShouldBe("evacuation"); // what it withdraws
    }

    [Fact]
    public async Task An_expiry_arrives_as_an_expired_event_without_an_id()
    {
        await using var stream = await SseClient.OpenAsync(hub.Client, "?codes=431010");
        var id = await IssueAsync(Order(expires: DateTimeOffset.Now.AddSeconds(2)));

        var events = await stream.WaitForAsync(e => e.Type == "expired" && e.DocumentId == id, TimeSpan.FromSeconds(15));

        events.Single(e => e.Type == "expired").Id.ShouldBeNull(); // not in the log: a resume must not start from it
        events.ShouldContain(e => e.Type == "notice" && e.DocumentId == id);
    }

    [Fact]
    public async Task The_header_wins_over_the_query_and_both_resume()
    {
        await using var live = await SseClient.OpenAsync(hub.Client, "?codes=431010");
        var a = await IssueAsync(Order());
        var b = await IssueAsync(Order());
        var c = await IssueAsync(Order());
        var ids = (await live.WaitForAsync(e => e.DocumentId == c)).Select(e => e.Id!).ToList();

        await using var byQuery = await SseClient.OpenAsync(hub.Client, $"?codes=431010&lastEventId={ids[0]}");
        await using var byHeader = await SseClient.OpenAsync(hub.Client, $"?codes=431010&lastEventId={ids[0]}", ids[1]);
        (await byQuery.WaitForAsync(e => e.DocumentId == c)).Select(e => e.DocumentId).ShouldBe([b, c]);
        (await byHeader.WaitForAsync(e => e.DocumentId == c)).Select(e => e.DocumentId).ShouldBe([c]);
        a.ShouldNotBe(b);
    }

    [Fact]
    public async Task Each_of_many_streams_gets_every_notice_once_and_in_order()
    {
        // More clients than the hub wakes in one go for a heartbeat (the short test heartbeat runs meanwhile).
        var streams = hub.Services.GetRequiredService<StreamHub>();
        var clients = Enumerable.Range(0, 1000).Select(_ => new StreamClient(new([], 0, "Actual"), backlog: 64)).ToList();
        var seen = clients.ToDictionary(c => c, _ => new List<string>());
        foreach (var client in clients) streams.Register(client);
        try
        {
            var a = await IssueAsync(Order());
            var b = await IssueAsync(Order("431028"));
            await HubFixture.Eventually(() =>
            {
                foreach (var client in clients)
                    while (client.TryRead(out var e))
                        if (e.Sequence is not null) seen[client].Add(System.Text.Encoding.UTF8.GetString(e.Frame));
                return Task.FromResult(seen.Values.All(frames => frames.Any(f => f.Contains(b, StringComparison.Ordinal))));
            }, "every client has the second notice");

            foreach (var frames in seen.Values)
            {
                frames.Count(f => f.Contains(a, StringComparison.Ordinal)).ShouldBe(1);
                frames.Count(f => f.Contains(b, StringComparison.Ordinal)).ShouldBe(1);
                frames.FindIndex(f => f.Contains(a, StringComparison.Ordinal)).ShouldBeLessThan(frames.FindIndex(f => f.Contains(b, StringComparison.Ordinal)));
            }
            clients.ShouldAllBe(c => !c.TooFarBehind);
        }
        finally
        {
            foreach (var client in clients) streams.Unregister(client);
        }
    }

    [Fact]
    public async Task Heartbeats_and_a_retry_hint_keep_the_connection_alive()
    {
        await using var stream = await SseClient.OpenAsync(hub.Client, "?codes=43");

        await HubFixture.Eventually(() => Task.FromResult(stream.Heartbeats >= 2), "two heartbeats", TimeSpan.FromSeconds(10));
        stream.Retry.ShouldBe(3000);
        stream.ContentType.ShouldBe("text/event-stream");
        stream.AtTheConnection.ShouldBeTrue(); // this class's streams take the short way in (StreamConnections)
    }

    [Fact]
    public async Task Bad_parameters_are_all_reported_at_once()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            "/api/v1/stream?codes=431002,99,43999&categories=evacuation,weather&status=Live&lastEventId=x");
        request.Headers.Add("Last-Event-ID", "-1");
        using var response = await hub.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().ShouldBe("request.invalid");
        problem.GetProperty("titleJa").GetString().ShouldNotBeNullOrEmpty();
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        errors.Select(e => e.GetProperty("code").GetString()).ShouldBe(
            ["code.check-digit", "code.prefecture", "code.unknown", "request.query.categories", "request.query.status", "request.header.last-event-id"],
            ignoreOrder: true);
        errors.ShouldAllBe(e => e.GetProperty("ja").GetString()!.Length > 0 && e.GetProperty("en").GetString()!.Length > 0);
    }
}

[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class RabbitPostgresStreamTests(RabbitPostgresHub hub) : StreamTests(hub);

/// <summary>
/// The embedded default with a heartbeat short enough to see in a test, on a port of 127.0.0.1 so its streams are
/// answered at the connection (the RabbitMQ + PostgreSQL run goes through the endpoint of the in-process server).
/// </summary>
public sealed class StreamingHub : HubFixture
{
    protected override bool OnKestrel => true;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Alert:Transport"] = "InMemory",
        ["Alert:Database"] = "Sqlite",
        ["Alert:Streams:Heartbeat"] = "00:00:00.2",
    };
}

public sealed class StreamClientTests
{
    [Fact]
    public async Task A_client_too_far_behind_is_let_go_after_what_it_already_holds()
    {
        var client = new StreamClient(new([], 0, "Actual"), backlog: 2);

        client.Offer(StreamEvent.Heartbeat);
        client.Offer(StreamEvent.Heartbeat);
        client.Offer(StreamEvent.Heartbeat);

        client.TooFarBehind.ShouldBeTrue();
        var held = new List<StreamEvent>();
        while (await client.WaitToReadAsync())
            while (client.TryRead(out var e)) held.Add(e);
        held.Count.ShouldBe(2); // the queue ends instead of growing: the client reconnects with its last id
    }

    [Fact]
    public async Task A_waiting_client_wakes_for_each_frame_and_ends_when_closed()
    {
        var client = new StreamClient(new([], 0, "Actual"), backlog: 4);

        var first = client.WaitToReadAsync();
        first.IsCompleted.ShouldBeFalse();
        client.Offer(StreamEvent.Heartbeat);
        (await first).ShouldBeTrue();
        client.TryRead(out _).ShouldBeTrue();
        client.TryRead(out _).ShouldBeFalse();

        var second = client.WaitToReadAsync(); // the same wait, used again
        second.IsCompleted.ShouldBeFalse();
        client.Close();
        (await second).ShouldBeFalse();
        client.TooFarBehind.ShouldBeFalse();
        client.Offer(StreamEvent.Heartbeat); // after the close: dropped
        (await client.WaitToReadAsync()).ShouldBeFalse();
    }
}
