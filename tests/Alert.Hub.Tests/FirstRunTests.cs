using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

/// <summary>
/// What a newcomer does first: start the built hub as its own process, with no settings, read the address and the
/// issuer key it prints, send the example, and see the sample subscriber receive it.
/// </summary>
public sealed partial class FirstRunTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "alert-hub-first-run", Guid.NewGuid().ToString("N"));
    private readonly StringBuilder _output = new();

    [Fact]
    public async Task The_embedded_default_prints_where_to_open_it_and_delivers_the_example_to_its_sample_subscriber()
    {
        var root = RepositoryRoot();
        var project = Path.Combine(root, "src", "Alert.Hub");
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var start = new ProcessStartInfo("dotnet", [Path.Combine(project, "bin", configuration, "net10.0", "Alert.Hub.dll"), "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = project, // as `dotnet run --project src/Alert.Hub` does
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["Alert__DataDirectory"] = _data, ["ASPNETCORE_ENVIRONMENT"] = "Production" },
        };
        start.Environment.Remove("ALERT_ISSUER_KEY");
        start.Environment.Remove("ALERT_ADMIN_KEY");
        var printed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var hub = new Process { StartInfo = start };
        hub.OutputDataReceived += (_, e) =>
        {
            lock (_output) _output.AppendLine(e.Data);
            if (e.Data?.Contains("issuer key:", StringComparison.Ordinal) == true) printed.TrySetResult();
        };
        hub.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        hub.Start();
        try
        {
            hub.BeginOutputReadLine();
            hub.BeginErrorReadLine();
            await UseAsync(root, printed.Task);
        }
        finally
        {
            hub.Kill(entireProcessTree: true);
            await hub.WaitForExitAsync();
        }
    }

    private async Task UseAsync(string root, Task printed)
    {
        await Task.WhenAny(printed, Task.Delay(TimeSpan.FromSeconds(60)));
        string text;
        lock (_output) text = _output.ToString();
        printed.IsCompleted.ShouldBeTrue($"the hub printed no issuer key within 60 s; it printed:\n{text}");
        var url = ReadyLine().Match(text).Groups[1].Value;
        var key = IssuerKeyLine().Match(text).Groups[1].Value;
        url.ShouldStartWith("http://127.0.0.1:");
        key.ShouldStartWith("ak_");

        using var http = new HttpClient { BaseAddress = new Uri(url) };
        (await http.GetAsync("/health/ready")).IsSuccessStatusCode.ShouldBeTrue();
        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/v1/notices")
        {
            Content = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(root, "schemas", "cap", "examples", "evacuation-order.xml")))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/cap+xml") },
            },
        };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var accepted = await http.SendAsync(post);
        ((int)accepted.StatusCode).ShouldBe(202, await accepted.Content.ReadAsStringAsync());

        await HubFixture.Eventually(async () =>
        {
            var received = JsonDocument.Parse(await http.GetStringAsync("/sample/receiver")).RootElement;
            return received.EnumerateArray().Any(r => r.GetProperty("identifier").GetString() == "431001-20260701-0001");
        }, "the sample subscriber to receive the example");
        (await http.GetStringAsync("/feeds/notices.atom")).ShouldContain("【警戒レベル4】熊本市 避難指示（洪水）");
        (await http.GetStringAsync("/")).ShouldContain("Alert hub");
    }

    public void Dispose()
    {
        if (Directory.Exists(_data)) Directory.Delete(_data, recursive: true);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Alert.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Alert.sln not found above the test binaries");
    }

    [GeneratedRegex(@"Alert hub is ready: (\S+)")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"issuer key: (ak_[0-9a-f]+)")]
    private static partial Regex IssuerKeyLine();
}
