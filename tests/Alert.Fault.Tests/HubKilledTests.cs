using Alert.Fault.Tests.Support;

namespace Alert.Fault.Tests;

/// <summary>
/// Scenario 1: a hub (RabbitMQ + PostgreSQL) is killed with SIGKILL while it fans 500 notices out to 50 receivers, and
/// started again: every receiver ends with every notice, each key at least once, none missing.
/// </summary>
[Trait("Category", "Infrastructure")]
[Collection(FaultScenarios.Name)]
public sealed class HubKilledTests(FaultServers servers, ITestOutputHelper output)
{
    private const int Notices = 500;

    [Fact]
    public async Task A_hub_killed_mid_fan_out_and_restarted_delivers_every_notice_to_every_receiver()
    {
        await using var s = await Scenario.StartAsync("hub-killed", output);
        var hub = s.Hub("hub", await servers.VhostAsync("hub-killed"));
        await hub.StartAsync();
        await s.PrepareAsync(hub);

        // The desk sends 500 notices as fast as four requests at a time go; unanswered ones (the hub dead) are sent again.
        var load = s.Load.RunAsync(Notices, perSecond: 0, concurrency: 4, deadline: TimeSpan.FromSeconds(150));
        var owed = Notices * Scenario.ReceiverCount;
        Assert.True(await s.Receivers.WaitAsync(() => s.Receivers.Distinct >= owed * 3 / 10, TimeSpan.FromSeconds(90)),
            $"30 % of the deliveries did not arrive within 90 s: {s.Count()}");
        var before = s.Count();
        output.WriteLine($"[{Clock.Now}] killing at {before}");
        hub.Kill();
        await hub.StartAsync();
        var restarted = s.Elapsed;

        await load;
        var (done, _) = await s.WaitForEverythingAsync(Patience.Recovery);
        await s.FinishAsync(done, s.Elapsed - restarted,
            $"killed at {before.Delivered} of {owed} keys received ({before.Accepted} of {Notices} accepted)");
    }
}
