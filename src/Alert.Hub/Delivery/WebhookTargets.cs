using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Delivery;

/// <summary>The "Alert:Webhooks" section: where webhooks may be sent.</summary>
public sealed class WebhookTargetOptions
{
    /// <summary>127.0.0.0/8 and ::1. Null: allowed only while the samples are on (the sample subscriber posts to the hub itself).</summary>
    public bool? AllowLoopback { get; set; }

    /// <summary>RFC 1918, unique-local and carrier-grade NAT ranges, for receivers on the same private network as the hub.</summary>
    public bool AllowPrivate { get; set; }

    /// <summary>Networks allowed although in a refused range (CIDR, e.g. 10.20.0.0/16), tried before everything else.</summary>
    public List<string> Allow { get; set; } = [];

    /// <summary>Networks refused besides the built-in ones (CIDR).</summary>
    public List<string> Deny { get; set; } = [];
}

/// <summary>
/// Which addresses a webhook may reach. A subscriber's URL could point the hub at its own admin side, a cloud metadata
/// service or a printer on the office network; so loopback, private, link-local, multicast and unspecified addresses are
/// refused unless configured. Checked when a subscriber is saved (a literal address) and again at every connection,
/// on the address the name resolved to then, so a name that later resolves elsewhere gets nowhere.
/// </summary>
public sealed class WebhookTargets(IOptions<WebhookTargetOptions> options, IOptions<HubOptions> hub)
{
    private static readonly IPNetwork[] Loopback = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];
    private static readonly IPNetwork[] Private =
        [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("fc00::/7")];
    private static readonly IPNetwork[] Never =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    /// <summary>Null when the hub may connect to <paramref name="address"/>; else why not (English, for the delivery's error).</summary>
    public string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var o = options.Value;
        if (o.Allow.Select(IPNetwork.Parse).Any(n => n.Contains(address))) return null;
        if (o.Deny.Select(IPNetwork.Parse).Any(n => n.Contains(address))) return $"{address} is in a network refused by Alert:Webhooks:Deny";
        if (Never.Any(n => n.Contains(address))) return $"{address} is link-local, multicast or unspecified";
        if (Loopback.Any(n => n.Contains(address)) && !(o.AllowLoopback ?? hub.Value.Samples)) return $"{address} is loopback (Alert:Webhooks:AllowLoopback)";
        if (Private.Any(n => n.Contains(address)) && !o.AllowPrivate) return $"{address} is a private address (Alert:Webhooks:AllowPrivate)";
        return null;
    }

    /// <summary>A URL whose host is a literal address is checked at once; a name is checked when connecting.</summary>
    public string? Refusal(Uri url) =>
        IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var literal) ? Refusal(literal)
        : url.IdnHost.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? Refusal(IPAddress.Loopback)
        : null;

    /// <summary>The webhook client's connect step: resolves the name, keeps only the addresses allowed, connects to the first that answers.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var refusals = addresses.Select(a => (Address: a, Why: Refusal(a))).ToList();
        var allowed = refusals.Where(r => r.Why is null).Select(r => r.Address).ToArray();
        if (allowed.Length == 0)
            throw new HttpRequestException($"webhook target refused: {string.Join("; ", refusals.Select(r => r.Why).Distinct())}");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
