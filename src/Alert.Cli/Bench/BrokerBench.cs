using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Alert.Cli.Bench;

/// <summary>
/// RabbitMQ's own ceiling for the hub's message sizes, with no hub: persistent messages published with confirms and
/// consumed with manual acks through a throw-away queue, on a broker on this machine. Hub figures measured on the same
/// machine in the same run can then be stated as a share of what the broker itself does.
/// </summary>
public static class BrokerBench
{
    /// <summary>
    /// The hub's two messages as MassTransit puts them on the wire, its JSON envelope around the message (addresses,
    /// message type, sent time, host), read off a hub on RabbitMQ: a NoticeAccepted for a notice over 熊本市's five
    /// wards is 1,120 bytes, a DeliverNotice with a full batch of 20 subscriber ids 1,835.
    /// </summary>
    public static readonly int[] HubSizes = [1120, 1835];

    /// <summary>The webhook endpoint's limits (<c>Limit(16)</c>: 16 messages at work, twice that fetched).</summary>
    private const int Concurrency = 16, Prefetch = 2 * Concurrency;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public sealed record Settings(Uri RabbitMq, TimeSpan Duration, int[] Sizes, string QueueType, int Publishers, int InFlight, FileInfo? Json, FileInfo? Markdown);

    /// <summary>One size at one depth of unconfirmed messages; times in ms.</summary>
    public sealed record Row(int Size, int InFlight, long Published, long Consumed, double PublishedPerSecond, double ConsumedPerSecond, double MegabytesPerSecond,
        double ConfirmP50, double ConfirmP99, double ConsumedP50, double ConsumedP99, double ConsumedMax, long Errors, string? FirstError);

    public static Command Command()
    {
        var rabbitmq = new Option<string>("--rabbitmq")
        {
            Description = "The broker on this machine, e.g. amqp://guest:guest@127.0.0.1:5672/ (default: $ALERT_TEST_RABBITMQ)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ALERT_TEST_RABBITMQ") ?? "",
        };
        rabbitmq.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value.Length == 0) r.AddError("--rabbitmq is required (or set ALERT_TEST_RABBITMQ), e.g. amqp://guest:guest@127.0.0.1:5672/");
            else if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != "amqp") r.AddError("--rabbitmq must be an amqp:// URL");
            // The ceiling is only worth comparing with hub figures measured on the same machine.
            else if (!uri.IsLoopback) r.AddError("--rabbitmq must be on this machine (localhost, 127.0.0.1 or ::1)");
        });
        var seconds = new Option<int>("--seconds") { Description = "Seconds per measurement", DefaultValueFactory = _ => 10 };
        var sizes = new Option<int[]>("--size")
        {
            Description = "Message body sizes in bytes; the default is the hub's NoticeAccepted and DeliverNotice as MassTransit sends them",
            DefaultValueFactory = _ => HubSizes, AllowMultipleArgumentsPerToken = true,
        };
        sizes.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int[]>().Any(s => s is < sizeof(long) or > 16 << 20)) r.AddError("each --size must be 8 bytes (the send time) to 16 MiB");
        });
        var queueType = new Option<string>("--queue-type") { Description = "quorum (as the hub declares its queues) or classic", DefaultValueFactory = _ => "quorum" };
        queueType.AcceptOnlyFromAmong("quorum", "classic");
        var publishers = new Option<int>("--publishers") { Description = "Publishing channels, each awaiting its own confirms", DefaultValueFactory = _ => 2 };
        var inFlight = new Option<int>("--in-flight")
        {
            Description = "Unconfirmed messages per publisher at once; every size is measured again with 1, one publish awaited at a time as the hub's outbox relay does",
            DefaultValueFactory = _ => 100,
        };
        foreach (var positive in new[] { seconds, publishers, inFlight })
            positive.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{positive.Name} must be at least 1"); });
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this JSON file" };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Also write the table to this Markdown file" };
        var command = new Command("broker",
            "RabbitMQ's own ceiling for the hub's message sizes, no hub: publish with confirms → consume with acks through a throw-away queue, on a broker on this machine.")
            { rabbitmq, seconds, sizes, queueType, publishers, inFlight, json, markdown };
        command.SetAction((result, ct) => RunAsync(new Settings(new Uri(result.GetValue(rabbitmq)!), TimeSpan.FromSeconds(result.GetValue(seconds)), result.GetValue(sizes)!,
            result.GetValue(queueType)!, result.GetValue(publishers), result.GetValue(inFlight), result.GetValue(json), result.GetValue(markdown)), ct));
        return command;
    }

    public static async Task<int> RunAsync(Settings settings, CancellationToken ct)
    {
        var factory = new ConnectionFactory { Uri = settings.RabbitMq, ClientProvidedName = "alert bench broker" };
        // Publishing and consuming on connections of their own: the broker's flow control, which holds back publishing
        // connections, then does not slow the consumer's acks as well.
        await using var publishing = await factory.CreateConnectionAsync(ct);
        await using var consuming = await factory.CreateConnectionAsync(ct);
        var version = publishing.ServerProperties?.TryGetValue("version", out var v) == true && v is byte[] bytes ? Encoding.UTF8.GetString(bytes) : "?";
        var broker = new UriBuilder(settings.RabbitMq) { UserName = "", Password = "" }.Uri; // never shown with its password

        // Compiles and warms both sides' code paths and the broker's queue machinery; not reported.
        await MeasureAsync(publishing, consuming, settings, settings.Sizes[0], settings.InFlight, TimeSpan.FromSeconds(1), ct);

        var title = string.Create(CultureInfo.InvariantCulture,
            $"RabbitMQ {version} at {broker}, {settings.QueueType} queue, {settings.Publishers} publishers, consumer prefetch {Prefetch} ({Concurrency} at once), {settings.Duration.TotalSeconds:F0} s per row, {Environment.ProcessorCount} cores");
        Console.WriteLine(title);
        Console.WriteLine($"{"size B",7}{"in flight",10}{"published/s",13}{"consumed/s",12}{"MB/s",7} | {"confirm p50",12}{"p99",9} | {"consumed p50",13}{"p99",9}{"max",9} | errors   (ms)");
        var rows = new List<Row>();
        foreach (var size in settings.Sizes)
        {
            foreach (var depth in new[] { settings.InFlight, 1 }.Distinct())
            {
                var row = await MeasureAsync(publishing, consuming, settings, size, depth, settings.Duration, ct);
                rows.Add(row);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Size,7}{row.InFlight,10}{row.PublishedPerSecond,13:N0}{row.ConsumedPerSecond,12:N0}{row.MegabytesPerSecond,7:F1} | {row.ConfirmP50,12:F1}{row.ConfirmP99,9:F1} | {row.ConsumedP50,13:F1}{row.ConsumedP99,9:F1}{row.ConsumedMax,9:F0} | {row.Errors}{(row.FirstError is null ? "" : $" (first: {row.FirstError})")}"));
            }
        }

        var table = BenchFiles.Table(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd}: {title}; times in ms"),
            ["body (bytes)", "in flight per publisher", "published/s (confirmed)", "consumed/s", "MB/s", "confirm p50", "confirm p99", "publish → consume p50", "p99", "max", "errors"],
            rows.Select(r => (FormattableString[])[$"{r.Size:N0}", $"{r.InFlight}", $"{r.PublishedPerSecond:N0}", $"{r.ConsumedPerSecond:N0}", $"{r.MegabytesPerSecond:F1}",
                $"{r.ConfirmP50:F2}", $"{r.ConfirmP99:F2}", $"{r.ConsumedP50:F2}", $"{r.ConsumedP99:F2}", $"{r.ConsumedMax:F1}", $"{r.Errors}"]));
        await BenchFiles.WriteAsync(settings.Markdown, table, settings.Json, new
        {
            date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), rabbitmq = broker, server = version, queueType = settings.QueueType,
            publishers = settings.Publishers, prefetch = Prefetch, concurrency = Concurrency, seconds = settings.Duration.TotalSeconds, cores = Environment.ProcessorCount, rows,
        }, ct);
        return rows.Any(r => r.Errors > 0) ? 1 : 0;
    }

    /// <summary>Counts shared by the publishing loops, the consumer and the progress line.</summary>
    private sealed class Tally
    {
        public long Confirmed, Consumed, LastConsumed, Errors;
        public string? FirstError;

        public void Error(string what)
        {
            Interlocked.Increment(ref Errors);
            Interlocked.CompareExchange(ref FirstError, what, null);
        }
    }

    private static async Task<Row> MeasureAsync(IConnection publishing, IConnection consuming, Settings settings, int size, int inFlight, TimeSpan duration, CancellationToken ct)
    {
        var queue = $"alert-bench-broker-{Guid.NewGuid():N}";
        // Durable, as the hub's queues are: persistent messages are then written to disk, which is what the hub pays for.
        // x-expires: the broker drops the queue a minute after its last use should this process die before deleting it.
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = settings.QueueType, ["x-expires"] = 60_000 };
        await using var setup = await consuming.CreateChannelAsync(cancellationToken: ct);
        await setup.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: ct);
        var publishers = new List<IChannel>();
        try
        {
            var tally = new Tally();
            var consumed = new List<double>();
            await using var consumer = await consuming.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: Concurrency), ct);
            await consumer.BasicQosAsync(0, Prefetch, global: false, ct);
            var receiver = new AsyncEventingBasicConsumer(consumer);
            receiver.ReceivedAsync += async (_, delivery) =>
            {
                var took = Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64LittleEndian(delivery.Body.Span)).TotalMilliseconds;
                lock (consumed) consumed.Add(took);
                if (delivery.Redelivered) tally.Error("a message was delivered twice");
                await consumer.BasicAckAsync(delivery.DeliveryTag, multiple: false, ct);
                Interlocked.Exchange(ref tally.LastConsumed, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref tally.Consumed);
            };
            var tag = await consumer.BasicConsumeAsync(queue, autoAck: false, receiver, ct);

            // Tracking on, no rate limiter: each awaited publish returns at its confirm, and the loops below alone decide
            // how many are unconfirmed at once (the client's default limiter would delay publishes past 64 of them).
            for (var p = 0; p < settings.Publishers; p++)
                publishers.Add(await publishing.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct));
            var start = Stopwatch.GetTimestamp();
            var until = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var progress = ProgressAsync(tally, size, inFlight, start, done.Token);
            var loops = publishers.SelectMany(channel => Enumerable.Range(0, inFlight).Select(_ => PublishAsync(channel, queue, size, until, tally, ct))).ToList();
            var confirms = (await Task.WhenAll(loops)).SelectMany(times => times).Order().ToList();
            var published = Stopwatch.GetTimestamp();

            var patience = Stopwatch.GetTimestamp() + (long)(Patience.TotalSeconds * Stopwatch.Frequency);
            while (Volatile.Read(ref tally.Consumed) < Volatile.Read(ref tally.Confirmed) && Stopwatch.GetTimestamp() < patience) await Task.Delay(10, ct);
            await consumer.BasicCancelAsync(tag, cancellationToken: ct);
            await done.CancelAsync();
            await progress;
            if (tally.Confirmed > tally.Consumed) tally.Error($"{tally.Confirmed - tally.Consumed:N0} confirmed messages not consumed within {Patience.TotalSeconds:F0} s");

            List<double> arrivals;
            lock (consumed) arrivals = consumed.Order().ToList();
            var publishSeconds = Stopwatch.GetElapsedTime(start, published).TotalSeconds;
            var consumeSeconds = tally.LastConsumed == 0 ? double.NaN : Stopwatch.GetElapsedTime(start, tally.LastConsumed).TotalSeconds;
            return new Row(size, inFlight, tally.Confirmed, tally.Consumed, tally.Confirmed / publishSeconds, tally.Consumed / consumeSeconds,
                tally.Confirmed * (double)size / publishSeconds / 1e6, Percentiles.At(confirms, 0.50), Percentiles.At(confirms, 0.99),
                Percentiles.At(arrivals, 0.50), Percentiles.At(arrivals, 0.99), arrivals.Count == 0 ? double.NaN : arrivals[^1], tally.Errors, tally.FirstError);
        }
        finally
        {
            foreach (var channel in publishers) await channel.DisposeAsync();
            await setup.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false, cancellationToken: CancellationToken.None);
        }
    }

    /// <summary>One publish awaited at a time until <paramref name="until"/>; returns each one's time to its confirm, in ms.</summary>
    private static async Task<List<double>> PublishAsync(IChannel channel, string queue, int size, long until, Tally tally, CancellationToken ct)
    {
        var times = new List<double>();
        // The broker does not read bodies, only their length counts; the first 8 bytes carry the send time for the consumer.
        var body = new byte[size];
        body.AsSpan().Fill((byte)'x');
        var properties = new BasicProperties { Persistent = true, ContentType = "application/vnd.masstransit+json" };
        while (Stopwatch.GetTimestamp() < until)
        {
            var sent = Stopwatch.GetTimestamp();
            BinaryPrimitives.WriteInt64LittleEndian(body, sent);
            try
            {
                // Mandatory: a message the queue did not get comes back as an error rather than vanishing.
                await channel.BasicPublishAsync("", queue, mandatory: true, properties, body, ct);
                times.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                Interlocked.Increment(ref tally.Confirmed);
            }
            catch (PublishException e)
            {
                tally.Error(e.IsReturn ? "returned unrouted" : "nacked by the broker"); // this one refused; the next may pass
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                tally.Error($"{e.GetType().Name}: {e.Message}"); // the channel is gone: nothing more will pass on it
                break;
            }
        }
        return times;
    }

    private static async Task ProgressAsync(Tally tally, int size, int inFlight, long start, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
                    $"\r{size} B, {inFlight} in flight: {Stopwatch.GetElapsedTime(start).TotalSeconds:F0} s, {Volatile.Read(ref tally.Confirmed):N0} confirmed, {Volatile.Read(ref tally.Consumed):N0} consumed, {Volatile.Read(ref tally.Errors):N0} errors   "));
            }
        }
        catch (OperationCanceledException)
        {
            Console.Error.Write($"\r{new string(' ', 100)}\r"); // the table's row takes its place
        }
    }
}
