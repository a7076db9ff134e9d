using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using StateVault.Hosting;

namespace StateVault.Managers.Dependencies;

/// <summary>
/// Dependencies [<c>dependencies</c>]: checks that declared dependencies are available — assemblies by name, network services by a
/// TCP connect, the configured store (and its PostgreSQL, S3 or HTTP endpoint) — with retries; a result cache that counts real
/// hits; a check history trimmed to <c>HistoryLimit</c> entries and <see cref="DependenciesOptions.HistoryMaxAge"/>; failed
/// dependencies persisted; a critical list whose failure makes the manager and its health check Degraded.
/// </summary>
public sealed partial class DependenciesManager : ManagerBase
{
    /// <summary>The manager and system name.</summary>
    public const string ManagerName = "dependencies";

    private readonly StateCell<DependenciesState> _state;
    private readonly ConcurrentDictionary<string, CachedResult> _cache = new(StringComparer.Ordinal);
    private readonly ResiliencePipeline _retry;
    private readonly DependenciesOptions _options;
    private readonly ConcurrentDictionary<string, DependencyCheck> _latestChecks = new(StringComparer.Ordinal);
    private int _heartbeatCheckRunning;
    private long _cacheHits;
    private long _cacheMisses;

    /// <summary>Creates the manager.</summary>
    public DependenciesManager(ManagerContext context)
        : base(ManagerName, context)
    {
        _options = context.Options.Dependencies;
        DependenciesStateUpcasters.Register(context.Vault.Options.Upcasters);
        _state = AddSystem(ManagerName, new DependenciesState(), Normalize);
        _retry = _options.MaxAttempts <= 1
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = context.Time }
                .AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = _options.MaxAttempts - 1,
                    Delay = _options.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    ShouldHandle = new PredicateBuilder().Handle<DependencyUnavailableException>(ex => ex.Retryable),
                })
                .Build();
    }

    /// <summary>The current state.</summary>
    public DependenciesState State => _state.Value;

    /// <summary>Critical dependencies whose last check failed.</summary>
    public IReadOnlyList<string> CriticalFailures =>
        [.. State.Dependencies.Values.Where(d => d.Critical && d.Status == DependencyStatus.Unavailable).Select(d => d.Name)];

    /// <summary>Declares (or re-declares) a dependency.</summary>
    public DependencyRecord Declare(string name, DependencyKind kind, string target, bool critical = false) =>
        Run("declare_dependency", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            ArgumentException.ThrowIfNullOrWhiteSpace(target);
            if (kind == DependencyKind.Tcp)
            {
                ParseEndpoint(target);
            }

            return _state.Update(state =>
            {
                state.Dependencies.TryGetValue(name, out var existing);
                if (existing is not null && existing.Kind == kind && existing.Target == target && existing.Critical == critical)
                {
                    return (state, existing);
                }

                var record = (existing ?? new DependencyRecord { Name = name, Target = target }) with { Kind = kind, Target = target, Critical = critical };
                _cache.TryRemove(name, out _);
                return (state with { Dependencies = state.Dependencies.SetItem(name, record) }, record);
            });
        });

    /// <summary>Removes a dependency.</summary>
    /// <returns><see langword="false"/> when it was not declared.</returns>
    public bool Undeclare(string name) =>
        Run("undeclare_dependency", () =>
        {
            _cache.TryRemove(name, out _);
            return _state.Update(state => name is not null && state.Dependencies.ContainsKey(name)
                ? (state with { Dependencies = state.Dependencies.Remove(name), FailedDependencies = state.FailedDependencies.Remove(name) }, true)
                : (state, false));
        });

    /// <summary>
    /// Checks one dependency, with retries; a result younger than <see cref="DependenciesOptions.CacheTtl"/> is reused (a cache hit) unless
    /// <paramref name="force"/>. The check is recorded and returns once the record is durable.
    /// </summary>
    /// <exception cref="KeyNotFoundException">Not declared.</exception>
    public Task<DependencyRecord> CheckAsync(string name, bool force = false, CancellationToken cancellationToken = default) =>
        RunAsync("check_dependency", async ct =>
        {
            var generations = CaptureGenerations();
            var record = await CheckCoreAsync(name, force, background: false, ct).ConfigureAwait(false);
            await WhenDurableAsync(generations, ct).ConfigureAwait(false);
            return record;
        }, cancellationToken);

    /// <summary>Checks every dependency (see <see cref="CheckAsync"/>).</summary>
    public Task<IReadOnlyList<DependencyRecord>> CheckAllAsync(bool force = false, CancellationToken cancellationToken = default) =>
        CheckAllCoreAsync(force, background: false, cancellationToken);

    /// <summary>Cache hits and misses since the process started (telemetry: in memory and in <c>/metrics</c>, never in a snapshot).</summary>
    public (long Hits, long Misses) CacheCounters => (Interlocked.Read(ref _cacheHits), Interlocked.Read(ref _cacheMisses));

    /// <summary>The newest check of each dependency, heartbeat checks included (in memory).</summary>
    public IReadOnlyDictionary<string, DependencyCheck> LatestChecks => _latestChecks;

    private Task<IReadOnlyList<DependencyRecord>> CheckAllCoreAsync(bool force, bool background, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<DependencyRecord>>("check_all_dependencies", async ct =>
        {
            var generations = CaptureGenerations();
            var results = new List<DependencyRecord>();
            foreach (var name in State.Dependencies.Keys.ToList())
            {
                results.Add(await CheckCoreAsync(name, force, background, ct).ConfigureAwait(false));
            }

            if (!background)
            {
                await WhenDurableAsync(generations, ct).ConfigureAwait(false);
            }

            return results;
        }, cancellationToken);

    /// <inheritdoc />
    public override HealthCheckResult CheckHealth()
    {
        var failures = CriticalFailures;
        if (failures.Count > 0)
        {
            return HealthCheckResult.Degraded(
                $"Critical dependencies unavailable: {string.Join(", ", failures)}",
                data: new Dictionary<string, object> { ["critical_failures"] = failures.ToArray() });
        }

        return base.CheckHealth();
    }

    /// <summary>The TCP endpoint a store URI talks to, or <see langword="null"/> for local stores (file, SQLite).</summary>
    public static string? StoreEndpoint(string? storeUri)
    {
        if (string.IsNullOrWhiteSpace(storeUri) || !Uri.TryCreate(storeUri, UriKind.Absolute, out var uri))
        {
            return null;
        }

        switch (uri.Scheme.ToLowerInvariant())
        {
            case "postgresql":
            case "postgres":
                return $"{uri.Host}:{(uri.Port > 0 ? uri.Port : 5432)}";
            case "http":
            case "https":
                return $"{uri.Host}:{uri.Port}";
            case "s3":
                var endpoint = System.Web.HttpUtility.ParseQueryString(uri.Query)["endpoint"];
                return endpoint is not null && Uri.TryCreate(endpoint, UriKind.Absolute, out var s3) ? $"{s3.Host}:{s3.Port}" : null;
            default:
                return null;
        }
    }

    /// <inheritdoc />
    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        var critical = _options.Critical.ToHashSet(StringComparer.Ordinal);
        foreach (var assembly in _options.Assemblies)
        {
            Declare("assembly:" + assembly, DependencyKind.Assembly, assembly, critical.Contains("assembly:" + assembly));
        }

        foreach (var (name, endpoint) in _options.Services)
        {
            Declare(name, DependencyKind.Tcp, endpoint, critical.Contains(name));
        }

        if (_options.CheckStore)
        {
            Declare("store", DependencyKind.Store, Context.Vault.Store.Kind, critical.Contains("store"));
            var storeUri = Context.GetService<IOptions<StateVaultHostingOptions>>()?.Value.Store;
            if (StoreEndpoint(storeUri) is { } endpoint)
            {
                Declare("store_endpoint", DependencyKind.Tcp, endpoint, critical.Contains("store_endpoint"));
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override void OnHeartbeat()
    {
        if (!_options.CheckOnHeartbeat || Interlocked.Exchange(ref _heartbeatCheckRunning, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await CheckAllCoreAsync(force: false, background: true, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                ManagersLog.HeartbeatFailed(Logger, Name, ex);
            }
            finally
            {
                Volatile.Write(ref _heartbeatCheckRunning, 0);
            }
        });
    }

    /// <inheritdoc />
    protected override void AddSummary(IDictionary<string, object?> summary)
    {
        var state = State;
        summary["dependencies"] = state.Dependencies.Count;
        summary["available"] = state.Dependencies.Values.Count(d => d.Status == DependencyStatus.Available);
        summary["failed"] = state.FailedDependencies.Count;
        summary["critical_failures"] = CriticalFailures.Count;
        summary["cache_hits"] = Interlocked.Read(ref _cacheHits);
        summary["cache_misses"] = Interlocked.Read(ref _cacheMisses);
    }

    /// <remarks>
    /// A heartbeat (<paramref name="background"/>) check is telemetry unless its outcome changed: it is stored only when the dependency's
    /// status or error differs from the stored one (it failed, or recovered), so an idle server writes nothing. Requested checks are
    /// always recorded.
    /// </remarks>
    private async Task<DependencyRecord> CheckCoreAsync(string name, bool force, bool background, CancellationToken cancellationToken)
    {
        if (name is null || !State.Dependencies.TryGetValue(name, out var record))
        {
            throw new KeyNotFoundException($"No dependency '{name}' is declared.");
        }

        // An imported Python module of the original: this host cannot check it, so it keeps the original's last result.
        if (record.Kind == DependencyKind.PythonModule)
        {
            return record;
        }

        var now = Time.GetUtcNow();
        if (!force && _cache.TryGetValue(name, out var cached) && now - cached.At < _options.CacheTtl)
        {
            Interlocked.Increment(ref _cacheHits);
            return State.Dependencies.GetValueOrDefault(name, record);
        }

        var started = Time.GetTimestamp();
        var attempts = 0;
        string? error = null;
        try
        {
            var pipeline = record.Kind == DependencyKind.Assembly ? ResiliencePipeline.Empty : _retry;
            await pipeline.ExecuteAsync(
                async ct =>
                {
                    attempts++;
                    await ProbeAsync(record, ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (DependencyUnavailableException ex)
        {
            error = ex.Message;
        }

        var at = Time.GetUtcNow();
        var duration = ElapsedMs(started);
        _cache[name] = new CachedResult(error is null, at);
        Interlocked.Increment(ref _cacheMisses);
        var check = new DependencyCheck(NewId("check"), name, error is null, at, duration, attempts, error);
        _latestChecks[name] = check;
        if (error is not null)
        {
            ManagersLog.DependencyUnavailable(Logger, name, attempts, error);
        }

        var status = error is null ? DependencyStatus.Available : DependencyStatus.Unavailable;
        if (background && State.Dependencies.TryGetValue(name, out var stored) && stored.Status == status && stored.LastError == error)
        {
            return stored;
        }

        return _state.Update(state =>
        {
            var current = state.Dependencies.GetValueOrDefault(name, record);
            var updated = current with
            {
                Status = error is null ? DependencyStatus.Available : DependencyStatus.Unavailable,
                LastCheckedAt = at,
                LastAvailableAt = error is null ? at : current.LastAvailableAt,
                LastError = error,
                ConsecutiveFailures = error is null ? 0 : current.ConsecutiveFailures + 1,
                Checks = current.Checks + 1,
                Failures = current.Failures + (error is null ? 0 : 1),
            };
            var failed = error is null
                ? state.FailedDependencies.Remove(name)
                : state.FailedDependencies.SetItem(name, new FailedDependency(
                    name,
                    updated.Kind,
                    updated.Target,
                    updated.Critical,
                    state.FailedDependencies.TryGetValue(name, out var before) ? before.FailedSince : at,
                    error,
                    updated.ConsecutiveFailures));
            return (state with
            {
                Dependencies = state.Dependencies.SetItem(name, updated),
                FailedDependencies = failed,
                CheckHistory = TrimHistory(state.CheckHistory.Add(check), at),
            }, updated);
        });
    }

    private ImmutableList<DependencyCheck> TrimHistory(ImmutableList<DependencyCheck> history, DateTimeOffset now)
    {
        var oldest = now - _options.HistoryMaxAge;
        var trimmed = history.RemoveAll(c => c.Timestamp < oldest);
        var excess = trimmed.Count - Context.Options.HistoryLimit;
        return excess > 0 ? trimmed.RemoveRange(0, excess) : trimmed;
    }

    private async Task ProbeAsync(DependencyRecord record, CancellationToken cancellationToken)
    {
        switch (record.Kind)
        {
            case DependencyKind.Assembly:
                try
                {
                    Assembly.Load(new AssemblyName(record.Target));
                }
                catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException or ArgumentException)
                {
                    throw new DependencyUnavailableException($"assembly {record.Target} does not load ({ex.GetType().Name})", retryable: false, ex);
                }

                break;
            case DependencyKind.Tcp:
                var (host, port) = ParseEndpoint(record.Target);
                using (var timeout = new CancellationTokenSource(_options.ConnectTimeout, Time))
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
                using (var client = new TcpClient())
                {
                    try
                    {
                        await client.ConnectAsync(host, port, linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        throw new DependencyUnavailableException($"no connection to {record.Target} within {_options.ConnectTimeout.TotalSeconds:0.#} s", retryable: true);
                    }
                    catch (SocketException ex)
                    {
                        throw new DependencyUnavailableException($"connect to {record.Target} failed ({ex.SocketErrorCode})", retryable: true, ex);
                    }
                }

                break;
            case DependencyKind.Store:
                try
                {
                    await Context.Vault.Store.GetLatestSequenceAsync(ManagerName, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is StateVaultException or IOException or TimeoutException)
                {
                    throw new DependencyUnavailableException($"the {record.Target} store did not answer ({ex.GetType().Name})", retryable: true, ex);
                }

                break;
            default:
                throw new DependencyUnavailableException($"unknown dependency kind {record.Kind}", retryable: false);
        }
    }

    private static (string Host, int Port) ParseEndpoint(string target)
    {
        var colon = target.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(target.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"'{target}' is not host:port.", nameof(target));
        }

        return (target[..colon].Trim('[', ']'), port);
    }

    private static DependenciesState Normalize(DependenciesState state) =>
        state with
        {
            Dependencies = state.Dependencies.Ordinal(),
            FailedDependencies = state.FailedDependencies.Ordinal(),
            CheckHistory = state.CheckHistory ?? [],
        };

    private readonly record struct CachedResult(bool Available, DateTimeOffset At);

    private sealed class DependencyUnavailableException(string message, bool retryable, Exception? inner = null) : Exception(message, inner)
    {
        public bool Retryable { get; } = retryable;
    }
}
