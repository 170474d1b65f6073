using System.Text.Json;
using Alert.Cli;

namespace Alert.Hub.Tests;

/// <summary>
/// `alert bench receivers`: every POST it counts was answered by the receiver and counted there too (it exits 1
/// otherwise), each depth asked for gets its row, and the figures are written as JSON. Its rates are not judged here.
/// </summary>
public sealed class ReceiversBenchTests
{
    [Fact]
    public async Task Measures_each_depth_with_every_post_received_and_writes_the_figures()
    {
        var json = Path.Combine(Path.GetTempPath(), $"receivers-bench-{Guid.NewGuid():N}.json");
        try
        {
            var exit = await AlertCommand.Build().Parse(["bench", "receivers", "--seconds", "1", "--concurrency", "1", "8", "--hooks", "3", "--json", json]).InvokeAsync();

            exit.ShouldBe(0);
            using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            figures.RootElement.GetProperty("hooks").GetInt32().ShouldBe(3);
            figures.RootElement.GetProperty("bodyBytes").GetInt32().ShouldBeGreaterThan(500);
            var rows = figures.RootElement.GetProperty("rows").EnumerateArray().ToList();
            rows.Select(r => r.GetProperty("Concurrency").GetInt32()).ShouldBe([1, 8]);
            foreach (var row in rows)
            {
                row.GetProperty("Posts").GetInt64().ShouldBeGreaterThan(0);
                row.GetProperty("Errors").GetInt64().ShouldBe(0);
                row.GetProperty("CpuMsPerPost").GetDouble().ShouldBeGreaterThan(0);
            }
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task Refuses_a_depth_of_nothing_before_measuring()
    {
        var exit = await AlertCommand.Build().Parse(["bench", "receivers", "--concurrency", "0"]).InvokeAsync();

        exit.ShouldNotBe(0);
    }
}
