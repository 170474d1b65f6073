using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Hub.Delivery;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace Alert.Hub.Tests;

/// <summary>
/// The writer of delivery states sends many rows' writes as one command. Each write must still learn whether it changed
/// its own row, and two writes to one row must land in the order they were made.
/// </summary>
public abstract class DeliveryStatesTests(HubFixture hub)
{
    [Fact]
    public async Task Writes_sent_together_each_learn_whether_they_changed_their_row_and_keep_their_order()
    {
        // A delivered row (the notice's own fan-out) and a pending one (written here for a subscriber outside the area).
        var (delivered, _) = await hub.SubscribeAsync(["431001"]);
        var (waiting, _) = await hub.SubscribeAsync(["01"]);
        var alert = CapWriter.EvacuationOrder($"states-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now);
        using var response = await hub.PostCapAsync(alert);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var db = hub.Services.GetRequiredService<Db>();
        await using var connection = await db.OpenAsync();
        async Task<(string State, int Attempts)?> RowAsync(string subscriber) =>
            await connection.QuerySingleOrDefaultAsync<(string, int)?>(
                "SELECT state, attempts FROM deliveries WHERE document_id = @id AND revision = 1 AND subscriber_id = @subscriber", new { id, subscriber });
        await HubFixture.Eventually(async () => (await RowAsync(delivered))?.State == "delivered", "the fan-out's delivery delivered");
        await connection.ExecuteAsync("""
            INSERT INTO deliveries (document_id, revision, subscriber_id, state, attempts, created_at, updated_at)
            VALUES (@id, 1, @waiting, 'pending', 0, @now, @now)
            """, new { id, waiting, now = DateTimeOffset.UtcNow });

        var states = hub.Services.GetRequiredService<DeliveryStates>();
        // Started together, so the writer usually takes them as one batch.
        var writes = new[]
        {
            states.SetAsync(new DeliveryKey(id, 1, delivered), "retrying", "ended rows stay as they are"),
            states.SetAsync(new DeliveryKey(id, 1, waiting), "retrying", "first"),
            states.SetAsync(new DeliveryKey(id, 1, "no-such-subscriber"), "delivered", null),
            states.SetAsync(new DeliveryKey(id, 1, waiting), "delivered", null),
            states.SetAsync(new DeliveryKey(id, 1, waiting), "retrying", "after delivered: no change"),
        };
        (await Task.WhenAll(writes)).ShouldBe([false, true, false, true, false]);
        (await RowAsync(delivered)).ShouldBe(("delivered", 1));
        (await RowAsync(waiting)).ShouldBe(("delivered", 2));
    }
}

public sealed class EmbeddedDeliveryStatesTests(EmbeddedHub hub) : DeliveryStatesTests(hub), IClassFixture<EmbeddedHub>;

[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class RabbitPostgresDeliveryStatesTests(RabbitPostgresHub hub) : DeliveryStatesTests(hub);
