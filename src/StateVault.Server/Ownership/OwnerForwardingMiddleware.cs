using System.Globalization;
using StateVault.Hosting;
using StateVault.Hosting.Ownership;
using StateVault.Server.Api;

namespace StateVault.Server.Ownership;

/// <summary>
/// With ownership by lease on, a manager write (<c>POST</c>/<c>PUT</c>/<c>PATCH</c>/<c>DELETE</c> under <c>/api/managers/{name}</c>, and <c>/api/keys</c>)
/// that reaches an instance not owning the manager is forwarded to the owner's advertised URL (method, path, query, body,
/// <c>Authorization</c>), and the owner's answer is returned as is. A hop header (<see cref="HopHeader"/>) stops loops: a forwarded
/// request is never forwarded again. When the owner is unknown, has no URL or cannot be reached, the answer is 503 problem details
/// naming the owner, with <c>Retry-After</c>. Runs after authentication and authorization: a caller that may not write here is
/// refused here. Reads are never forwarded: every instance serves the owner's latest durable state.
/// </summary>
internal sealed partial class OwnerForwardingMiddleware(
    RequestDelegate next,
    IOwnershipView ownership,
    IManagerRegistry managers,
    IHttpClientFactory clients,
    ILogger<OwnerForwardingMiddleware> logger)
{
    /// <summary>The header a forwarded request carries (the forwarding instance's id).</summary>
    public const string HopHeader = "X-StateVault-Forwarded-By";

    /// <summary>The named HTTP client used to forward.</summary>
    public const string ClientName = "statevault-owner-forwarding";

    private const string Prefix = "/api/managers/";

    // /api/keys changes the api_keys system of the API key manager.
    private const string KeysPrefix = "/api/keys";

    private const string ApiKeysManagerName = "api_keys";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!ownership.Enabled
            || HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method)
            || context.Request.Path.Value is not { } path
            || !(path.StartsWith(Prefix, StringComparison.Ordinal) || path.StartsWith(KeysPrefix, StringComparison.Ordinal)))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var name = path.StartsWith(KeysPrefix, StringComparison.Ordinal) ? ApiKeysManagerName : path[Prefix.Length..].Split('/', 2)[0];
        if (managers.FindByName(name) is not { Systems.Count: > 0 } manager || ownership.Owns(manager.Systems[0]))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var system = manager.Systems[0];
        var owner = ownership.GetOwner(system);
        if (context.Request.Headers.ContainsKey(HopHeader) || owner?.OwnerUrl is null)
        {
            await WriteUnavailableAsync(context, system, owner, context.Request.Headers.ContainsKey(HopHeader)
                ? "The request was forwarded here, but this instance does not own it either (ownership is changing)."
                : "The owner advertises no URL to forward to.").ConfigureAwait(false);
            return;
        }

        var target = new Uri(new Uri(owner.OwnerUrl.TrimEnd('/') + "/"), path.TrimStart('/') + context.Request.QueryString.Value);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), target);
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
            if (context.Request.ContentType is { } type)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        if (context.Request.Headers.Authorization.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
        }

        request.Headers.TryAddWithoutValidation("Accept", context.Request.Headers.Accept.ToString());
        request.Headers.TryAddWithoutValidation(HopHeader, ownership.InstanceId);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            LogForwardFailed(logger, system, owner.OwnerId, ex.GetType().Name);
            await WriteUnavailableAsync(context, system, owner, $"The owner could not be reached ({ex.GetType().Name}); if the request reached it, it may have been carried out.").ConfigureAwait(false);
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in new[] { "Location", "ETag", "Retry-After" })
            {
                if (response.Headers.TryGetValues(header, out var values))
                {
                    context.Response.Headers[header] = values.ToArray();
                }
            }

            if (response.Content.Headers.ContentType is { } contentType)
            {
                context.Response.ContentType = contentType.ToString();
            }

            context.Response.Headers[HopHeader] = owner.OwnerId;
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task WriteUnavailableAsync(HttpContext context, string system, SystemLease? owner, string why)
    {
        var detail = (owner is null
            ? $"This instance does not own '{system}' and no owner is known right now (a take-over is under way)."
            : $"This instance does not own '{system}'; instance {owner.OwnerId}{(owner.OwnerUrl is null ? string.Empty : " at " + owner.OwnerUrl)} owns it.") + " " + why + " Nothing was written here.";
        var problem = Problems.Create(StatusCodes.Status503ServiceUnavailable, "Not the owner", detail);
        problem.ProblemDetails.Extensions["owner"] = owner?.OwnerId;
        problem.ProblemDetails.Extensions["ownerUrl"] = owner?.OwnerUrl;
        context.Response.Headers.RetryAfter = "1";
        await problem.ExecuteAsync(context).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "Forwarding a write of {System} to its owner {Owner} failed ({Reason})")]
    private static partial void LogForwardFailed(ILogger logger, string system, string owner, string reason);
}
