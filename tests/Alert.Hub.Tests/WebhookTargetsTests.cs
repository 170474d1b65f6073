using System.Net;
using Alert.Cli.Sink;
using Alert.Hub.Delivery;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Tests;

/// <summary>Where webhooks may go: public addresses; loopback, private and link-local ones only as configured.</summary>
public class WebhookTargetsTests
{
    private static WebhookTargets Targets(bool? loopback = false, bool @private = false, string[]? allow = null, string[]? deny = null, bool samples = false) =>
        new(Options.Create(new WebhookTargetOptions { AllowLoopback = loopback, AllowPrivate = @private, Allow = [.. allow ?? []], Deny = [.. deny ?? []] }),
            Options.Create(new HubOptions { Samples = samples }));

    [Theory]
    [InlineData("203.0.113.10", null)]
    [InlineData("2001:db8::10", null)]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.20.0.1", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("fd00::1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    public void By_default_only_public_addresses_are_reached(string address, string? why)
    {
        var refusal = Targets().Refusal(IPAddress.Parse(address));
        if (why is null) refusal.ShouldBeNull();
        else refusal.ShouldNotBeNull().ShouldContain(why);
    }

    [Fact]
    public void Settings_open_loopback_and_private_ranges_and_lists_override_either_way()
    {
        Targets(loopback: true).Refusal(IPAddress.Loopback).ShouldBeNull();
        Targets(loopback: null, samples: true).Refusal(IPAddress.Loopback).ShouldBeNull(); // the sample subscriber posts to the hub itself
        Targets(loopback: null, samples: false).Refusal(IPAddress.Loopback).ShouldNotBeNull();
        Targets(@private: true).Refusal(IPAddress.Parse("10.1.2.3")).ShouldBeNull();
        Targets(allow: ["10.20.0.0/16"]).Refusal(IPAddress.Parse("10.20.3.4")).ShouldBeNull();
        Targets(allow: ["10.20.0.0/16"]).Refusal(IPAddress.Parse("10.21.3.4")).ShouldNotBeNull();
        Targets(deny: ["198.51.100.0/24"]).Refusal(IPAddress.Parse("198.51.100.7")).ShouldNotBeNull().ShouldContain("Deny");
        Targets().Refusal(new Uri("http://localhost:9090/hook")).ShouldNotBeNull();
        Targets().Refusal(new Uri("http://[::1]:9090/hook")).ShouldNotBeNull();
        Targets().Refusal(new Uri("https://receiver.example.jp/hook")).ShouldBeNull(); // a name: checked when connecting
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_refused_address_is_not_connected_to()
    {
        await using var sink = await WebhookSink.StartAsync();
        var url = new Uri(sink.Url("refused").Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        using var closed = new HttpClient(new SocketsHttpHandler { ConnectCallback = Targets(loopback: false).ConnectAsync });
        (await Should.ThrowAsync<HttpRequestException>(() => closed.PostAsync(url, new StringContent("x")))).Message.ShouldContain("refused");
        sink.For("refused").ShouldBeEmpty();

        using var open = new HttpClient(new SocketsHttpHandler { ConnectCallback = Targets(loopback: true).ConnectAsync });
        (await open.PostAsync(url, new StringContent("x"))).EnsureSuccessStatusCode();
        sink.For("refused").Count.ShouldBe(1);
    }
}
