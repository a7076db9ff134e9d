using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using StateVault.Hosting;

namespace StateVault.Server.Events;

/// <summary>
/// Fans live updates out to every <c>GET /api/events</c> stream: saves (from the vault's metrics), API operations and the
/// managers' <see cref="IManagerRegistry.StateChanged"/>. A slow reader loses its oldest updates, never blocks a writer.
/// </summary>
internal sealed class ServerEventHub : IDisposable
{
    private const int PerSubscriberCapacity = 256;

    private readonly ConcurrentDictionary<Channel<ServerEvent>, byte> _subscribers = new();
    private readonly IManagerRegistry _managers;

    public ServerEventHub(IManagerRegistry managers)
    {
        _managers = managers;
        _managers.StateChanged += OnManagerStateChanged;
    }

    public void Publish(ServerEvent update)
    {
        foreach (var channel in _subscribers.Keys)
        {
            channel.Writer.TryWrite(update);
        }
    }

    public async IAsyncEnumerable<ServerEvent> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ServerEvent>(new BoundedChannelOptions(PerSubscriberCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _subscribers.TryAdd(channel, 0);
        try
        {
            // A first event tells the client the stream is open (and flushes the response headers).
            yield return new ServerEvent("hello");
            await foreach (var update in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }
        }
        finally
        {
            _subscribers.TryRemove(channel, out _);
        }
    }

    public void Dispose() => _managers.StateChanged -= OnManagerStateChanged;

    private void OnManagerStateChanged(object? sender, ManagedStateChangedEventArgs e) =>
        Publish(new ServerEvent("manager", e.System, e.Name));
}
