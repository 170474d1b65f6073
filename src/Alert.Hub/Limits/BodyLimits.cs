using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using KestrelServerOptions = Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Limits;

/// <summary>
/// Every request body is bounded: notices by <see cref="HubOptions.MaxNoticeBytes"/> (endpoints marked
/// <see cref="Notices"/>), field reports with their photos by <see cref="HubOptions.MaxFieldReportBytes"/> (marked
/// <see cref="FieldReports"/>), everything else by <see cref="HubOptions.MaxJsonBytes"/>. A declared length over the bound is
/// answered at once; a body that turns out longer stops being read at the bound. The hub counts itself rather than leave
/// it to the server, so Kestrel and the in-process test server (which has no limit of its own) answer alike.
/// </summary>
public static class BodyLimits
{
    /// <summary>Endpoint metadata: this endpoint takes a notice (or, at the sample receiver, the CAP the hub wrote of one).</summary>
    public static readonly object Notices = new NoticeSized();

    private sealed class NoticeSized;

    /// <summary>Endpoint metadata: this endpoint takes a field report with its photos.</summary>
    public static readonly object FieldReports = new ReportSized();

    private sealed class ReportSized;

    public static IServiceCollection AddBodyLimits(this IServiceCollection services)
    {
        // Kestrel's is a ceiling, for any request: it counts a chunked body's framing too, so a body of exactly the bound
        // sent in chunks would trip it. Twice the largest bound leaves the exact count, and the answer, to the hub.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<HubOptions>>((kestrel, hub) =>
            kestrel.Limits.MaxRequestBodySize = 2L * Math.Max(Math.Max(hub.Value.MaxNoticeBytes, hub.Value.MaxJsonBytes), hub.Value.MaxFieldReportBytes));
        return services;
    }

    public static long Limit(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<HubOptions>>().Value;
        var metadata = context.GetEndpoint()?.Metadata;
        return metadata?.GetMetadata<NoticeSized>() is not null ? options.MaxNoticeBytes
            : metadata?.GetMetadata<ReportSized>() is not null ? options.MaxFieldReportBytes
            : options.MaxJsonBytes;
    }

    public static IApplicationBuilder UseBodyLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limit = Limit(context);
        if (context.Request.ContentLength > limit)
        {
            await TooLarge(limit).ExecuteAsync(context);
            return;
        }
        context.Request.Body = new Bounded(context.Request.Body, limit);
        await next(context);
    });

    public static ProblemHttpResult TooLarge(long limit) => HubProblems.One(StatusCodes.Status413PayloadTooLarge, "request.too-large",
        $"本文が大きすぎます（上限 {limit:N0} バイト）。何も保存されていません。",
        $"The body is too large (limit {limit:N0} bytes). Nothing was stored.");

    /// <summary>
    /// A body read past its bound (here or by Kestrel) is 413 from wherever it was being read; other requests the server
    /// could not read (a broken chunked encoding, a body cut short) are the client's fault too, not a 500.
    /// </summary>
    public sealed class BadRequests : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad) return false;
            var answer = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(Limit(httpContext))
                : HubProblems.One(bad.StatusCode, "request.unreadable",
                    "要求を読み取れませんでした（本文が途中で切れたか、転送の形式が壊れています）。何も保存されていません。",
                    "The request could not be read (its body was cut short or its transfer encoding is broken). Nothing was stored.");
            await answer.ExecuteAsync(httpContext);
            return true;
        }
    }

    /// <summary>The request body, refusing to be read past <c>limit</c> bytes as Kestrel does.</summary>
    private sealed class Bounded(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
                throw new BadHttpRequestException(string.Create(CultureInfo.InvariantCulture, $"Request body larger than {limit} bytes."), StatusCodes.Status413PayloadTooLarge);
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
