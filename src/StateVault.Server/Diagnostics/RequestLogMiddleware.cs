namespace StateVault.Server.Diagnostics;

/// <summary>
/// The server's own request log (category <c>StateVault.Server.Requests</c>, level Debug, so off by default): method, target
/// with secret-looking segments and query values redacted, status and duration. ASP.NET Core's own request lines log the raw
/// URL and are held at Warning by <see cref="Hosting.StateVaultServer"/>.
/// </summary>
internal sealed class RequestLogMiddleware(RequestDelegate next, ILoggerFactory loggerFactory, TimeProvider timeProvider)
{
    public const string Category = "StateVault.Server.Requests";

    private readonly ILogger _logger = loggerFactory.CreateLogger(Category);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!_logger.IsEnabled(LogLevel.Debug))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var started = timeProvider.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            Log.Request(
                _logger,
                context.Request.Method,
                LogRedaction.Target(context.Request.Path, context.Request.QueryString),
                context.Response.StatusCode,
                timeProvider.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}
