using System.Diagnostics;

namespace Alert.Fault.Tests.Support;

/// <summary>
/// One hub as a real process: <c>dotnet Alert.Hub.dll --urls http://127.0.0.1:PORT</c> from the hub's build output, as
/// ops/run-real runs it but without `dotnet run`'s build step, with its output in a log file. Killed with SIGKILL by
/// its PID and started again on the same port and settings, as after a crash.
/// </summary>
public sealed class HubInstance : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly ITestOutputHelper _output;
    private readonly Lock _logLock = new();
    private Process? _process;
    private StreamWriter? _log;

    public HubInstance(string name, string logDirectory, IReadOnlyDictionary<string, string> environment, ITestOutputHelper output)
    {
        Name = name;
        _environment = environment;
        _output = output;
        Port = Infra.FreePort();
        Url = new Uri($"http://127.0.0.1:{Port}");
        LogPath = Path.Combine(logDirectory, $"{name}.log");
    }

    public string Name { get; }

    public int Port { get; }

    public Uri Url { get; }

    public string LogPath { get; }

    /// <summary>The PID of the running process, or null once it was killed or stopped.</summary>
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public bool Running => Pid is not null;

    /// <summary>Starts the process and waits until /health/ready answers 200 (database, bus and gazetteer up).</summary>
    public async Task StartAsync(TimeSpan? timeout = null)
    {
        if (Running) throw new InvalidOperationException($"{Name} is running");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Infra.HubBuild, // the content root: appsettings.json
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(Infra.HubBuild, "Alert.Hub.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(Url.ToString().TrimEnd('/'));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ";
        // infra_stop's mark: should this test run die, ops/test's exit stops the hub with the servers.
        start.Environment["ALERT_INFRA_DIR"] = Infra.Directory;
        foreach (var (key, value) in _environment) start.Environment[key] = value;

        lock (_logLock)
        {
            _log ??= new StreamWriter(LogPath, append: true) { AutoFlush = true };
            _log.WriteLine($"---- {Clock.Now} start {Name} on {Url}");
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        _output.WriteLine($"[{Clock.Now}] {Name}: PID {process.Id} on {Url}");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"{Name} exited with {process.ExitCode} before it was ready:\n{Tail(40)}");
            try
            {
                using var ready = await http.GetAsync(new Uri(Url, "/health/ready"));
                if (ready.IsSuccessStatusCode) break;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} was not ready within {(timeout ?? TimeSpan.FromSeconds(90)).TotalSeconds:F0} s:\n{Tail(40)}");
            await Task.Delay(100);
        }
        _output.WriteLine($"[{Clock.Now}] {Name}: ready after {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>kill -9: no shutdown of any kind, as a crash or an OOM kill.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } p) return;
        var pid = p.Id;
        p.Kill(); // SIGKILL to this PID
        p.WaitForExit();
        Write($"---- {Clock.Now} killed (SIGKILL) PID {pid}");
        _output.WriteLine($"[{Clock.Now}] {Name}: killed PID {pid} with SIGKILL");
    }

    /// <summary>SIGTERM (a graceful stop) by PID, SIGKILL if still there after 10 s.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } p) return;
        using (var term = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!)
            await term.WaitForExitAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    private void Write(string? line)
    {
        if (line is null) return;
        lock (_logLock) _log?.WriteLine(line);
    }

    /// <summary>The last lines of the hub's output (all its runs).</summary>
    public string Tail(int lines)
    {
        lock (_logLock)
        {
            _log?.Flush();
            using var read = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var all = new StreamReader(read).ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
    }

    /// <summary>How many lines of its output contain <paramref name="text"/> (warnings, errors).</summary>
    public int Count(string text)
    {
        lock (_logLock)
        {
            _log?.Flush();
            using var read = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(read).ReadToEnd().Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }
    }
}
