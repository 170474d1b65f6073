using System.Diagnostics;
using Alert.Fault.Tests.Support;

namespace Alert.Fault.Tests;

/// <summary>
/// Scenario 2: RabbitMQ is stopped (rabbitmqctl stop) for 20 s under a steady load, then started again on its data.
/// Intake keeps accepting into the outbox (or answers 503), never 500; afterwards everything accepted is delivered.
/// </summary>
[Trait("Category", "Infrastructure")]
[Collection(FaultScenarios.Name)]
public sealed class RabbitMqStoppedTests(FaultServers servers, ITestOutputHelper output)
{
    private const int Notices = 180;
    private const double PerSecond = 5;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Rabbitmq_stopped_for_20_s_under_load_loses_nothing_and_intake_never_answers_500()
    {
        var node = (await servers.RabbitAsync())[0];
        await using var s = await Scenario.StartAsync("rabbitmq-stopped", output);
        var hub = s.Hub("hub", node);
        await hub.StartAsync();
        await s.PrepareAsync(hub);

        var outage = Stopwatch.StartNew();
        TimeSpan? back = null;
        int? acceptedBefore = null, acceptedDuring = null;
        // 36 s of notices at 5 a second; the broker goes away after the 50th and comes back 20 s later.
        await s.Load.RunAsync(Notices, PerSecond, concurrency: 8, deadline: TimeSpan.FromSeconds(120), before: async i =>
        {
            if (i == 50)
            {
                _ = Task.Run(async () =>
                {
                    acceptedBefore = s.Load.Accepted;
                    await Infra.RunAsync(output, TimeSpan.FromSeconds(60), "rmq-stop", FaultServers.Rabbit);
                    outage.Restart();
                    await Task.Delay(Outage); // the outage's length: what the scenario is about, not a wait for anything
                    acceptedDuring = s.Load.Accepted - acceptedBefore;
                    await Infra.RunAsync(output, TimeSpan.FromSeconds(90), "rmq-start", FaultServers.Rabbit);
                    back = s.Elapsed;
                });
            }
        });
        Assert.True(await s.Receivers.WaitAsync(() => back is not null, TimeSpan.FromSeconds(90)), "RabbitMQ did not come back");
        var (done, _) = await s.WaitForEverythingAsync(Patience.Recovery);
        await s.FinishAsync(done, s.Elapsed - back!.Value,
            $"RabbitMQ stopped after {acceptedBefore} accepted, {acceptedDuring} accepted while it was down ({Outage.TotalSeconds:F0} s); hub warnings {hub.Count("warn:")}");
    }
}
