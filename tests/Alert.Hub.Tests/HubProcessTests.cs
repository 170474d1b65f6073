using Alert.Cli.Bench;
using Shouldly;

namespace Alert.Hub.Tests;

/// <summary>The load benchmarks' count of what the database and the broker took, read from /proc by process name.</summary>
public sealed class HubProcessTests
{
    [Fact]
    public void Cpu_since_a_snapshot_counts_what_each_process_of_the_name_used_and_nothing_for_those_gone()
    {
        var name = File.ReadAllText("/proc/self/comm").TrimEnd('\n');
        var before = HubProcess.CpuOfEach(name);
        before.ShouldContainKey(Environment.ProcessId);
        before[int.MaxValue] = TimeSpan.FromHours(1); // a process that has ended since: it must not be taken off the sum

        // Work until this process's own clock has moved on (it counts in ticks of 10 ms).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var spin = 0L;
        while (HubProcess.Cpu(Environment.ProcessId) <= before[Environment.ProcessId] && DateTime.UtcNow < deadline) spin++;
        var used = HubProcess.Cpu(Environment.ProcessId) - before[Environment.ProcessId];

        used.ShouldBeGreaterThan(TimeSpan.Zero, $"after {spin} turns");
        HubProcess.CpuSince(before, name).ShouldBeGreaterThanOrEqualTo(used);
    }
}
