using Alert.Fault.Tests.Support;

namespace Alert.Fault.Tests;

/// <summary>
/// Scenario 3: PostgreSQL is stopped (pg_ctl stop -m fast: sessions cut, open transactions rolled back) for 20 s under
/// a steady load, then started again. Intake answers 503 with Retry-After, never 500; nothing answered 503 is stored
/// or sent, no notice is half-written (each stored one has its document and outbox row), and everything accepted is
/// delivered afterwards.
/// </summary>
[Trait("Category", "Infrastructure")]
[Collection(FaultScenarios.Name)]
public sealed class PostgresStoppedTests(FaultServers servers, ITestOutputHelper output)
{
    private const int Notices = 180;
    private const double PerSecond = 5;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Postgresql_stopped_for_20_s_under_load_answers_503_and_loses_nothing()
    {
        var server = await servers.PostgresAsync();
        await using var s = await Scenario.StartAsync("postgres-stopped", output, server);
        var hub = s.Hub("hub", await servers.VhostAsync("postgres-stopped"));
        await hub.StartAsync();
        await s.PrepareAsync(hub);

        TimeSpan? back = null;
        int? acceptedBefore = null, refusedDuring = null;
        await s.Load.RunAsync(Notices, PerSecond, concurrency: 8, deadline: TimeSpan.FromSeconds(120), before: async i =>
        {
            if (i == 50)
            {
                _ = Task.Run(async () =>
                {
                    acceptedBefore = s.Load.Accepted;
                    await Infra.RunAsync(output, TimeSpan.FromSeconds(60), "pg-stop", FaultServers.Postgres);
                    await Task.Delay(Outage); // the outage's length, not a wait for anything
                    refusedDuring = s.Load.Refused;
                    await Infra.RunAsync(output, TimeSpan.FromSeconds(60), "pg-start", FaultServers.Postgres);
                    back = s.Elapsed;
                });
            }
        });
        Assert.True(await s.Receivers.WaitAsync(() => back is not null, TimeSpan.FromSeconds(90)), "PostgreSQL did not come back");
        var (done, _) = await s.WaitForEverythingAsync(Patience.Recovery);
        Assert.True(s.Load.Refused > 0, "no notice was refused while PostgreSQL was down: the outage missed intake");
        await s.FinishAsync(done, s.Elapsed - back!.Value,
            $"PostgreSQL stopped after {acceptedBefore} accepted, {refusedDuring} refused while it was down ({Outage.TotalSeconds:F0} s); hub warnings {hub.Count("warn:")}, errors {hub.Count("fail:")}");
    }
}
