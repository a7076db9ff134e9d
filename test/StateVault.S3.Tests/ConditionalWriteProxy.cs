using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace StateVault.S3.Tests;

/// <summary>
/// A loopback HTTP proxy in front of s3rver that adds what s3rver lacks and AWS S3 has: it enforces
/// <c>If-None-Match: *</c> and <c>If-Match</c> on PUT, and <c>If-Match</c> on DELETE (412 PreconditionFailed, as S3 answers),
/// atomically with respect to other conditional requests. The objects themselves live in the real s3rver; requests are forwarded unchanged (the Host
/// header is kept, so SigV4 signatures still verify). It can also answer the next requests with 503 to simulate an outage.
/// </summary>
internal sealed class ConditionalWriteProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Uri _target;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _failNext;
    private int _hangNext;
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ConditionalWriteProxy(WebApplication app, HttpClient upstream, Uri target)
    {
        _app = app;
        _upstream = upstream;
        _target = target;
    }

    public Uri Endpoint { get; private set; } = null!;

    private int _preconditionFailures;
    private int _loseReplies;
    private int _tearReads;
    private string? _tearSuffix;

    /// <summary>How many PUTs were rejected because a condition did not hold.</summary>
    public int PreconditionFailures => Volatile.Read(ref _preconditionFailures);

    /// <summary>
    /// Stores the next <paramref name="count"/> conditional PUTs that pass their condition, then answers 503 instead of the
    /// server's 200: the write landed, its reply was lost (the SDK then retries it, and meets its own object).
    /// </summary>
    public void LoseNextConditionalPutReplies(int count) => Volatile.Write(ref _loseReplies, count);

    /// <summary>
    /// Flips one byte in the body of the next <paramref name="count"/> object reads (GET), headers unchanged: what a server
    /// that replaces objects in place serves while another client overwrites the one being read.
    /// </summary>
    /// <summary>How many of the reads <see cref="TearNextReads"/> asked for are still to be torn.</summary>
    public int PendingTears => Math.Max(0, Volatile.Read(ref _tearReads));

    /// <param name="count">How many reads.</param>
    /// <param name="keySuffix">Only reads of a key ending with this are torn (and counted); every GET when null.</param>
    public void TearNextReads(int count, string? keySuffix = null)
    {
        Volatile.Write(ref _tearSuffix, keySuffix);
        Volatile.Write(ref _tearReads, count);
    }

    /// <summary>Answers the next <paramref name="count"/> requests with 503 Service Unavailable.</summary>
    public void FailNext(int count) => Volatile.Write(ref _failNext, count);

    /// <summary>Leaves the next <paramref name="count"/> requests unanswered until the proxy is disposed (a server that hangs).</summary>
    public void HangNext(int count) => Volatile.Write(ref _hangNext, count);

    public static async Task<ConditionalWriteProxy> StartAsync(Uri target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null; // 64 MiB snapshots pass through
        });
        var app = builder.Build();
        var upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromMinutes(2) };
        var proxy = new ConditionalWriteProxy(app, upstream, target);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy.Endpoint = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return proxy;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (Interlocked.Decrement(ref _failNext) >= 0)
        {
            await WriteErrorAsync(context, HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "Simulated outage");
            return;
        }

        if (Interlocked.Decrement(ref _hangNext) >= 0)
        {
            await _released.Task.WaitAsync(context.RequestAborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        var request = context.Request;
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        var ifMatch = request.Headers.IfMatch.ToString();
        var conditionalPut = HttpMethods.IsPut(request.Method) && !request.Headers.ContainsKey("x-amz-copy-source")
            && (ifNoneMatch.Length > 0 || ifMatch.Length > 0);
        var conditionalDelete = HttpMethods.IsDelete(request.Method) && ifMatch.Length > 0;
        if (!conditionalPut && !conditionalDelete)
        {
            await ForwardAsync(context);
            return;
        }

        await _gate.WaitAsync(context.RequestAborted);
        try
        {
            using var head = await _upstream.SendAsync(new HttpRequestMessage(HttpMethod.Head, Upstream(request)), context.RequestAborted);
            var exists = head.StatusCode == HttpStatusCode.OK;
            var etag = head.Headers.ETag?.ToString();
            if ((ifNoneMatch == "*" && exists) || (ifMatch.Length > 0 && (!exists || !string.Equals(etag, ifMatch, StringComparison.Ordinal))))
            {
                Interlocked.Increment(ref _preconditionFailures);
                await WriteErrorAsync(context, HttpStatusCode.PreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
                return;
            }

            await ForwardAsync(context, loseReply: Volatile.Read(ref _loseReplies) > 0 && Interlocked.Decrement(ref _loseReplies) >= 0);
        }
        finally
        {
            _gate.Release();
        }
    }

    private Uri Upstream(HttpRequest request) => new(_target, request.Path.ToUriComponent() + request.QueryString.ToUriComponent());

    private async Task ForwardAsync(HttpContext context, bool loseReply = false)
    {
        var request = context.Request;
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), Upstream(request));
        if (request.ContentLength is > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
        {
            message.Content = new StreamContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Expect", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        // The signature covers the host the client addressed (this proxy): keep it.
        message.Headers.Host = request.Host.Value;
        using var response = await _upstream.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        if (loseReply && response.IsSuccessStatusCode)
        {
            await WriteErrorAsync(context, HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "Reply lost after the write");
            return;
        }

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        if (HttpMethods.IsGet(request.Method) && response.IsSuccessStatusCode
            && (Volatile.Read(ref _tearSuffix) is not { } suffix || request.Path.Value?.EndsWith(suffix, StringComparison.Ordinal) == true)
            && Volatile.Read(ref _tearReads) > 0 && Interlocked.Decrement(ref _tearReads) >= 0)
        {
            var body = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
            if (body.Length > 0)
            {
                body[body.Length / 2] ^= 0x20;
            }

            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
        else if (!HttpMethods.IsHead(request.Method))
        {
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private static async Task WriteErrorAsync(HttpContext context, HttpStatusCode status, string code, string message)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>proxy</RequestId></Error>");
    }

    public async ValueTask DisposeAsync()
    {
        _released.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
        _gate.Dispose();
    }
}
