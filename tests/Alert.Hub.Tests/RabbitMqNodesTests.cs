using Alert.Hub.Messaging;

namespace Alert.Hub.Tests;

public class RabbitMqNodesTests
{
    [Fact]
    public void One_address_gives_one_node_with_its_credentials_and_vhost()
    {
        var nodes = RabbitMqNodes.Parse("amqp://hub:p%40ss@rmq.example:5673/alert");
        (nodes.User, nodes.Password, nodes.VirtualHost).ShouldBe(("hub", "p@ss", "alert"));
        nodes.Nodes.ShouldBe([("rmq.example", 5673)]);
    }

    [Fact]
    public void A_cluster_is_its_nodes_in_order_with_the_first_addresses_credentials()
    {
        var nodes = RabbitMqNodes.Parse("amqp://guest:guest@127.0.0.1:20001/, amqp://127.0.0.1:20002 ,amqp://127.0.0.1");
        nodes.User.ShouldBe("guest");
        nodes.VirtualHost.ShouldBe("/");
        nodes.Nodes.ShouldBe([("127.0.0.1", 20001), ("127.0.0.1", 20002), ("127.0.0.1", 5672)]);
    }
}
