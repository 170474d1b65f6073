using RabbitMQ.Client;

namespace Alert.Hub.Messaging;

/// <summary>
/// <c>ConnectionStrings:RabbitMq</c>: one <c>amqp://user:password@host:port/vhost</c> address, or the addresses of a
/// cluster's nodes separated by commas (one user, password and vhost for all, from the first). The bus and the notice
/// exchange connect to the first node that answers and move to another when theirs is lost.
/// </summary>
public sealed record RabbitMqNodes(string User, string Password, string VirtualHost, IReadOnlyList<(string Host, int Port)> Nodes)
{
    public static RabbitMqNodes From(IConfiguration configuration) => Parse(configuration.GetConnectionString("RabbitMq")
        ?? throw new InvalidOperationException("Alert:Transport is RabbitMq but ConnectionStrings:RabbitMq is not set"));

    public static RabbitMqNodes Parse(string text)
    {
        var uris = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u)).ToList();
        if (uris.Count == 0) throw new InvalidOperationException("ConnectionStrings:RabbitMq names no node");
        var first = uris[0];
        var credentials = first.UserInfo.Split(':', 2);
        return new RabbitMqNodes(
            Uri.UnescapeDataString(credentials[0]),
            credentials.Length > 1 ? Uri.UnescapeDataString(credentials[1]) : "",
            first.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(first.AbsolutePath[1..]) : "/",
            [.. uris.Select(u => (u.Host, u.IsDefaultPort ? 5672 : u.Port))]);
    }

    /// <summary>A client connection to whichever node answers first, in the order given.</summary>
    public Task<IConnection> ConnectAsync(string name, CancellationToken ct)
    {
        var factory = new ConnectionFactory { VirtualHost = VirtualHost, ClientProvidedName = name };
        if (User.Length > 0) factory.UserName = User;
        if (Password.Length > 0) factory.Password = Password;
        return factory.CreateConnectionAsync([.. Nodes.Select(n => new AmqpTcpEndpoint(n.Host, n.Port))], ct);
    }
}
