using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Alert.Hub.Tests;

/// <summary>
/// A message a consumer gave up on waits in its _error queue on RabbitMQ: the health output counts it, and an operator
/// moves it back once the cause is fixed, where it is consumed again.
/// </summary>
[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class ErrorQueueTests(RabbitPostgresHub hub)
{
    private async Task<uint> WaitingAsync(string queue)
    {
        using var response = await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/admin/errors");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("queues").GetProperty(queue).GetUInt32();
    }

    /// <summary>A notice accepted, and the message its outbox row sent: what a fan-out's error queue would hold.</summary>
    internal static async Task<NoticeAccepted> AcceptedAsync(HubFixture hub)
    {
        using var accepted = await hub.PostCapAsync(CapWriter.EvacuationOrder($"err-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now));
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await using var connection = await hub.Services.GetRequiredService<Db>().OpenAsync();
        return JsonSerializer.Deserialize<NoticeAccepted>(await connection.QuerySingleAsync<string>("SELECT payload FROM outbox WHERE document_id = @id", new { id }))!;
    }

    [Fact]
    public async Task A_message_in_an_error_queue_is_counted_in_health_and_moved_back_by_an_operator()
    {
        var message = await AcceptedAsync(hub);
        var id = message.DocumentId;
        var fanOut = ErrorQueues.Queues[0];
        var before = await WaitingAsync(fanOut);

        // As the bus leaves a message whose retries all failed.
        var bus = hub.Services.GetRequiredService<IBus>();
        await (await bus.GetSendEndpoint(new Uri($"queue:{fanOut}_error"))).Send(message);
        await HubFixture.Eventually(async () => await WaitingAsync(fanOut) == before + 1, "the message in the error queue");
        using (var health = await hub.SendAsync(HttpMethod.Get, "/health/ready", null, null))
        {
            health.StatusCode.ShouldBe(HttpStatusCode.OK); // intake still works
            var errors = (await health.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("errors");
            errors.GetProperty("status").GetString().ShouldBe("Degraded");
            errors.GetProperty("Description").GetString()!.ShouldContain($"{fanOut}_error {before + 1}");
        }

        var consumed = new FanOutsOf(id);
        using var observer = bus.ConnectConsumeObserver(consumed);
        using var requeued = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/admin/errors/requeue");
        (await requeued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("moved").GetProperty(fanOut).GetInt32().ShouldBe((int)before + 1);
        await HubFixture.Eventually(() => Task.FromResult(consumed.Count == 1), "the fan-out to consume the message again");
        (await WaitingAsync(fanOut)).ShouldBe(0u);
    }

    [Fact]
    public async Task Error_queues_are_for_operators_only()
    {
        using var response = await hub.SendAsync(HttpMethod.Get, "/api/v1/admin/errors", null, HubFixture.IssuerKey);
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    /// <summary>Counts NoticeAccepted messages of one document that the fan-out's queue delivered and its consumer finished.</summary>
    private sealed class FanOutsOf(string documentId) : IConsumeObserver
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            if (context.Message is NoticeAccepted m && m.DocumentId == documentId
                && context.ReceiveContext.InputAddress.AbsolutePath.EndsWith("/" + ErrorQueues.Queues[0], StringComparison.Ordinal))
                Interlocked.Increment(ref _count);
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}
