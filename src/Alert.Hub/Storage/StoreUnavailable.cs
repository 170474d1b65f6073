using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;

namespace Alert.Hub.Storage;

/// <summary>
/// The database being away is not the caller's fault and not a bug: answer 503 with Retry-After so issuers' systems
/// send again, instead of a 500. Nothing was stored, because the transaction did not commit.
/// </summary>
public sealed class StoreUnavailable : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not DbException && exception.InnerException is not DbException) return false;
        httpContext.Response.Headers.RetryAfter = "5";
        await HubProblems.One(StatusCodes.Status503ServiceUnavailable, "store.unavailable",
            "データベースに接続できないため、いまは受け付けられません。数秒後に送り直してください。何も保存されていません。",
            "The database is unavailable, so nothing was accepted or stored; send again in a few seconds.").ExecuteAsync(httpContext);
        return true;
    }
}
