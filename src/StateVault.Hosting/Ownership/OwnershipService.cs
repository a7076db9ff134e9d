using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StateVault.Hosting.Persistence;

namespace StateVault.Hosting.Ownership;

/// <summary>
/// Holds this instance's leases on the manager systems (when <see cref="StateVaultOwnershipOptions.Enabled"/>): takes every free
/// lease after the restore at start, renews what it holds every <see cref="StateVaultOwnershipOptions.RenewInterval"/>, tries to
/// take over the others, and gives its leases up after the final save at shutdown. A system taken over is reloaded from the store
/// before this instance writes it; a lease not renewed before it expires stops this instance's writes of that system (a lease
/// held until released, an OS lock, does not expire: see <see cref="ISystemLeaseProvider.HeldUntilReleased"/>).
/// </summary>
internal sealed partial class OwnershipService : IOwnershipView, IHostedLifecycleService, IAsyncDisposable
{
    private readonly IManagerRegistry _registry;
    private readonly AutosaveCoordinator _coordinator;
    private readonly StateVaultOwnershipOptions _options;
    private readonly string _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEnumerable<ISystemLeaseProviderFactory> _factories;
    private readonly ConcurrentDictionary<string, SystemLease> _owners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _held = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private ISystemLeaseProvider? _provider;
    private Task? _loop;

    public OwnershipService(
        IManagerRegistry registry,
        AutosaveCoordinator coordinator,
        IOptions<StateVaultOwnershipOptions> options,
        IOptions<StateVaultHostingOptions> hosting,
        TimeProvider time,
        ILogger<OwnershipService> logger,
        IEnumerable<ISystemLeaseProviderFactory> factories)
    {
        _registry = registry;
        _coordinator = coordinator;
        _options = options.Value;
        _store = hosting.Value.Store;
        _time = time;
        _logger = logger;
        _factories = factories;
        InstanceId = _options.InstanceId ?? "svi-" + RandomNumberGenerator.GetHexString(12, lowercase: true);
    }

    public bool Enabled => _provider is not null;

    public string InstanceId { get; }

    public SystemLease? GetOwner(string system) => _owners.TryGetValue(system, out var lease) ? lease : null;

    public bool Owns(string system) => _provider is null || (_held.TryGetValue(system, out var until) && _time.GetUtcNow() < until);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        string? refusal = null;
        foreach (var factory in _factories)
        {
            _provider = factory.Create(_store, out refusal);
            if (_provider is not null)
            {
                break;
            }
        }

        if (_provider is null)
        {
            // Refused rather than pretended: two instances without a working lease would both write.
            throw new InvalidOperationException(
                $"StateVault:Ownership:Enabled is set, but the store {Storage.SnapshotStoreFactory.Redact(_store)} cannot hold leases: {refusal ?? "no lease provider is registered for it"}. Run one instance on it, or use a store that supports ownership (file, SQLite, PostgreSQL, S3 that enforces conditional writes).");
        }

        _coordinator.EnableOwnership(this);
        LogEnabled(_logger, InstanceId, _provider.Kind, _options.AdvertisedUrl);
        await TickAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_provider is not null)
        {
            _loop = Task.Run(() => LoopAsync(_stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the final save (the host stops services in reverse order; this runs last): stop renewing and give the leases up.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        await StopLoopAsync().ConfigureAwait(false);
        if (_provider is null)
        {
            return;
        }

        foreach (var system in _held.Keys.ToList())
        {
            if (_owners.TryGetValue(system, out var lease) && lease.OwnerId == InstanceId)
            {
                try
                {
                    await _provider.ReleaseAsync(lease, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    LogReleaseFailed(_logger, system, ex.GetType().Name);
                }
            }
        }

        _held.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopLoopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        if (_provider is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task StopLoopAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_loop is { } loop)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task LoopAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            await Task.Delay(_options.RenewInterval, _time, token).ConfigureAwait(false);
            await TickAsync(token).ConfigureAwait(false);
        }
    }

    /// <summary>One pass: renew what is held, try to take the rest.</summary>
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var provider = _provider!;
        foreach (var manager in _registry.Managers)
        {
            foreach (var system in manager.Systems)
            {
                var started = _time.GetUtcNow();
                try
                {
                    if (!ReferenceEquals(system, manager.Systems[0]) && !_held.ContainsKey(manager.Systems[0]))
                    {
                        // A manager's systems go together (an operation may change several): only the holder of its first takes the others.
                        if (_held.ContainsKey(system) && _owners.TryGetValue(system, out var orphan) && orphan.OwnerId == InstanceId)
                        {
                            await provider.ReleaseAsync(orphan, cancellationToken).ConfigureAwait(false);
                            Lose(manager, system, "its manager's first system is owned elsewhere");
                        }

                        continue;
                    }

                    if (_held.TryGetValue(system, out var until) && _owners.TryGetValue(system, out var lease) && lease.OwnerId == InstanceId)
                    {
                        if (await provider.RenewAsync(lease, _options.LeaseDuration, cancellationToken).ConfigureAwait(false))
                        {
                            Hold(manager, lease, started);
                        }
                        else
                        {
                            Lose(manager, system, "taken over by another instance");
                        }

                        continue;
                    }

                    var taken = await provider.TryAcquireAsync(system, InstanceId, _options.AdvertisedUrl, _options.LeaseDuration, _options.TakeoverDelay, cancellationToken).ConfigureAwait(false);
                    if (taken is null)
                    {
                        if (await provider.GetHolderAsync(system, cancellationToken).ConfigureAwait(false) is { } holder)
                        {
                            _owners[system] = holder;
                        }
                        else
                        {
                            _owners.TryRemove(system, out _);
                        }

                        continue;
                    }

                    // The previous owner may have saved until its lease ran out: start from the store's newest state.
                    await _coordinator.ReloadAsync(manager, system, cancellationToken).ConfigureAwait(false);
                    Hold(manager, taken, started);
                    LogAcquired(_logger, system, InstanceId, taken.Token);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    LogLeaseFailed(_logger, system, ex.GetType().Name, ex);
                    if (_held.TryGetValue(system, out var validUntil) && _time.GetUtcNow() >= validUntil)
                    {
                        Lose(manager, system, "not renewed before it expired (" + ex.GetType().Name + ")");
                    }
                }
            }
        }
    }

    /// <param name="manager">The manager whose system it is.</param>
    /// <param name="lease">The lease taken or renewed.</param>
    /// <param name="started">When the call that took or renewed it began: a lease with a duration runs from then.</param>
    private void Hold(IManagedComponent manager, SystemLease lease, DateTimeOffset started)
    {
        var validUntil = _provider!.HeldUntilReleased ? DateTimeOffset.MaxValue : started + _options.LeaseDuration;
        _owners[lease.System] = lease;
        _held[lease.System] = validUntil;
        _coordinator.SetLease(manager, lease.System, lease, validUntil);
    }

    private void Lose(IManagedComponent manager, string system, string reason)
    {
        _held.TryRemove(system, out _);
        _owners.TryRemove(system, out _);
        _coordinator.SetLease(manager, system, null, DateTimeOffset.MinValue);
        LogLost(_logger, system, reason);
    }

    [LoggerMessage(EventId = 2050, Level = LogLevel.Information, Message = "Ownership by lease on: instance {InstanceId}, leases held by {Kind}, advertised at {Url}")]
    private static partial void LogEnabled(ILogger logger, string instanceId, string kind, string? url);

    [LoggerMessage(EventId = 2051, Level = LogLevel.Information, Message = "Took the lease of {System} (instance {InstanceId}, fencing token {Token}); reloaded its newest state")]
    private static partial void LogAcquired(ILogger logger, string system, string instanceId, long token);

    [LoggerMessage(EventId = 2052, Level = LogLevel.Warning, Message = "Lost the lease of {System} ({Reason}); this instance stops writing it")]
    private static partial void LogLost(ILogger logger, string system, string reason);

    [LoggerMessage(EventId = 2053, Level = LogLevel.Warning, Message = "Lease of {System} could not be taken or renewed ({Reason}); trying again")]
    private static partial void LogLeaseFailed(ILogger logger, string system, string reason, Exception exception);

    [LoggerMessage(EventId = 2054, Level = LogLevel.Warning, Message = "Lease of {System} could not be released ({Reason}); it expires on its own")]
    private static partial void LogReleaseFailed(ILogger logger, string system, string reason);
}
