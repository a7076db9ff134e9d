namespace StateVault.Server.Hosting;

/// <summary>
/// Sets the security headers on every response when it starts, whoever wrote it: a route, the exception handler (which
/// clears the response's headers before it writes a problem, so a 413 or a 500 lost them when they were set up front), or
/// the status code pages. Registered before the exception handler.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    private const string PageContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            if (!http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            {
                headers.ContentSecurityPolicy = PageContentSecurityPolicy;
                if (!headers.ContainsKey("Cache-Control"))
                {
                    headers.CacheControl = "no-cache";
                }
            }

            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
