using System.Net;

namespace Alert.Hub.Tests.Support;

/// <summary>
/// A browser's network: a TCP relay to the hub that can be cut (every connection closed, new ones refused at
/// once) and restored, as a cable pulled and plugged in again.
/// </summary>
public sealed class Network : IAsyncDisposable
{
    private readonly System.Net.Sockets.TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _hub;
    private readonly List<System.Net.Sockets.TcpClient> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _cut;
    private Task _accepting = Task.CompletedTask;

    private Network(Uri hub) => _hub = hub;

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public static Task<Network> StartAsync(Uri hub)
    {
        var network = new Network(hub);
        network._listener.Start();
        network._accepting = network.AcceptAsync();
        return Task.FromResult(network);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            System.Net.Sockets.TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            if (_cut) { client.Dispose(); continue; }
            var upstream = new System.Net.Sockets.TcpClient();
            await upstream.ConnectAsync(_hub.Host, _hub.Port);
            lock (_open) _open.AddRange([client, upstream]);
            _ = Pump(client, upstream);
            _ = Pump(upstream, client);
        }
    }

    private static async Task Pump(System.Net.Sockets.TcpClient from, System.Net.Sockets.TcpClient to)
    {
        try { await from.GetStream().CopyToAsync(to.GetStream()); }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
        from.Dispose();
        to.Dispose();
    }

    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            foreach (var connection in _open) connection.Dispose();
            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Cut();
        _stop.Dispose();
    }
}
