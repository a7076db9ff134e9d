using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using StateVault.Server.Events;

namespace StateVault.Server.Api;

/// <summary><c>GET /api/events</c>: live updates as server-sent events (the dashboard reads them with fetch, so the key stays in a header).</summary>
internal static class EventEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/events", (ServerEventHub hub, IHostApplicationLifetime lifetime, HttpContext context) =>
                TypedResults.ServerSentEvents(StreamAsync(hub, lifetime.ApplicationStopping, context.RequestAborted)))
            .WithTags("events")
            .WithSummary("Server-sent events: saves, restores, deletes, manager state changes.");

    // Ends on server shutdown too: an open stream would otherwise hold the host's stop for its whole timeout.
    private static async IAsyncEnumerable<SseItem<ServerEvent>> StreamAsync(ServerEventHub hub, CancellationToken stopping, [EnumeratorCancellation] CancellationToken requestAborted = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, stopping);
        var updates = hub.SubscribeAsync(linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }

                yield return new SseItem<ServerEvent>(updates.Current, updates.Current.Kind);
            }
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
        }
    }
}
