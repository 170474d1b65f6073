using System.Globalization;

namespace Alert.Cli.Bench;

/// <summary>The hub's process as Linux shows it in /proc: found by the port it listens on, its resident memory, its limits.</summary>
public static class HubProcess
{
    /// <summary>The process holding the listening socket on <paramref name="port"/>, or null (another user's process cannot be seen).</summary>
    public static int? ByPort(int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[3] == "0A" && int.Parse(f[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                    inodes.Add($"socket:[{f[9]}]");
            }
        }
        if (inodes.Count == 0) return null;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                    if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target)) return pid;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                // not ours to look into, or gone
            }
        }
        return null;
    }

    /// <summary>VmRSS of the process, in bytes.</summary>
    public static long Resident(int pid) => Status(pid, "VmRSS:");

    private static long Status(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        var parts = line[field.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var value = long.Parse(parts[0], CultureInfo.InvariantCulture);
        return parts.Length > 1 && parts[1] == "kB" ? value * 1024 : value;
    }

    /// <summary>CPU time the process has used, user and system (/proc/PID/stat, in clock ticks of 10 ms).</summary>
    public static TimeSpan Cpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // the name may hold spaces; fields from the state on
        return TimeSpan.FromMilliseconds((long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) * 10);
    }

    /// <summary>
    /// CPU time used so far by each process of this name on the machine (/proc/PID/comm: "postgres", "beam.smp"), so a
    /// run can say what the database and the broker took beside the hub (<see cref="CpuSince"/>).
    /// </summary>
    public static Dictionary<int, TimeSpan> CpuOfEach(string name)
    {
        var each = new Dictionary<int, TimeSpan>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                if (File.ReadAllText($"{dir}/comm").TrimEnd('\n') == name) each[pid] = Cpu(pid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // the process ended meanwhile
            }
        }
        return each;
    }

    /// <summary>
    /// CPU time the processes of this name used since <paramref name="before"/>: those started since count whole, those
    /// that ended meanwhile (an autovacuum worker) not at all.
    /// </summary>
    public static TimeSpan CpuSince(Dictionary<int, TimeSpan> before, string name) =>
        CpuOfEach(name).Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Value - before.GetValueOrDefault(p.Key));

    /// <summary>
    /// CPU time the whole machine has been busy, all cores together (/proc/stat's first line: every state but idle and
    /// iowait), so a run can say how much of the machine the hub had and how much went to everything else.
    /// </summary>
    public static TimeSpan MachineBusy()
    {
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return TimeSpan.FromMilliseconds((f.Sum() - f[3] - f[4]) * 10); // idle and iowait are the 4th and 5th
    }

    /// <summary>The soft and hard limits on open files ("Max open files" in /proc/PID/limits; "self" for this process).</summary>
    public static (string Soft, string Hard) OpenFiles(string pid)
    {
        var line = File.ReadLines($"/proc/{pid}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var f = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (f[0], f[1]);
    }

    /// <summary>Open file descriptors of the process, or -1 when they cannot be listed.</summary>
    public static int Descriptors(int pid)
    {
        try { return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count(); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { return -1; }
    }
}
