using System.Text.Json;
using Alert.Cli;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

/// <summary>
/// `alert bench broker` against the RabbitMQ that ops/test starts: every confirmed message comes back to the consumer
/// once, for each size at both depths, and the figures are written as JSON. Its rates are not judged here.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class BrokerBenchTests
{
    [Fact]
    public async Task Consumes_every_confirmed_message_and_writes_the_figures()
    {
        var json = Path.Combine(Path.GetTempPath(), $"broker-bench-{Guid.NewGuid():N}.json");
        try
        {
            var exit = await AlertCommand.Build().Parse(["bench", "broker", "--rabbitmq", RabbitPostgresHub.Required("ALERT_TEST_RABBITMQ"),
                "--seconds", "1", "--size", "1120", "1835", "--in-flight", "20", "--json", json]).InvokeAsync();

            exit.ShouldBe(0);
            using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            figures.RootElement.GetProperty("queueType").GetString().ShouldBe("quorum");
            var rows = figures.RootElement.GetProperty("rows").EnumerateArray().ToList();
            rows.Select(r => (r.GetProperty("Size").GetInt32(), r.GetProperty("InFlight").GetInt32()))
                .ShouldBe([(1120, 20), (1120, 1), (1835, 20), (1835, 1)]);
            foreach (var row in rows)
            {
                row.GetProperty("Published").GetInt64().ShouldBeGreaterThan(0);
                row.GetProperty("Consumed").GetInt64().ShouldBe(row.GetProperty("Published").GetInt64());
                row.GetProperty("Errors").GetInt64().ShouldBe(0);
            }
        }
        finally
        {
            File.Delete(json);
        }
    }
}
