using System.Collections.Immutable;
using StateVault.Hosting;

namespace StateVault.Managers.Core;

/// <summary>
/// Core management [<c>core_management</c>]: the registry of components (the other managers, with type and status),
/// configuration values, initialize/shut down all components in order, and the record of system operations. The shutdown
/// record is written while stopping, before the host's final save, so it is saved (the original saved before it).
/// </summary>
public sealed partial class CoreManager : ManagerBase
{
    /// <summary>The manager and system name.</summary>
    public const string ManagerName = "core_management";

    private readonly StateCell<CoreManagementState> _state;

    /// <summary>Creates the manager.</summary>
    public CoreManager(ManagerContext context)
        : base(ManagerName, context)
    {
        _state = AddSystem(ManagerName, new CoreManagementState(), Normalize);
    }

    /// <summary>The current state.</summary>
    public CoreManagementState State => _state.Value;

    /// <summary>Registers (or re-registers with a new type) a component; new ones are appended to the start order.</summary>
    public ComponentRecord RegisterComponent(string name, string type, string status = "offline") =>
        Run("register_component", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            ArgumentException.ThrowIfNullOrWhiteSpace(type);
            var now = Time.GetUtcNow();
            return _state.Update(state =>
            {
                if (state.Components.TryGetValue(name, out var existing) && existing.Type == type)
                {
                    return (state, existing);
                }

                var order = existing?.Order ?? (state.Components.IsEmpty ? 0 : state.Components.Values.Max(c => c.Order) + 1);
                var record = new ComponentRecord { Name = name, Type = type, Status = status, Order = order, RegisteredAt = now, StatusChangedAt = now };
                return (state with
                {
                    Components = state.Components.SetItem(name, record),
                    ComponentRegistrations = state.ComponentRegistrations.AppendBounded(new ComponentRegistration(NewId("reg"), name, type, "register", now), Context.Options.HistoryLimit),
                }, record);
            });
        });

    /// <summary>Unregisters a component.</summary>
    /// <returns><see langword="false"/> when it was not registered.</returns>
    public bool UnregisterComponent(string name) =>
        Run("unregister_component", () => _state.Update(state =>
        {
            if (name is null || !state.Components.TryGetValue(name, out var existing))
            {
                return (state, false);
            }

            var now = Time.GetUtcNow();
            return (state with
            {
                Components = state.Components.Remove(name),
                ComponentRegistrations = state.ComponentRegistrations.AppendBounded(new ComponentRegistration(NewId("reg"), name, existing.Type, "unregister", now), Context.Options.HistoryLimit),
            }, true);
        }));

    /// <summary>Sets a configuration value.</summary>
    public void SetConfig(string key, string value) => Run("set_config", () => SetConfigCore(key, value, "runtime"));

    /// <summary>Removes a configuration value.</summary>
    /// <returns><see langword="false"/> when it was not set.</returns>
    public bool RemoveConfig(string key) =>
        Run("remove_config", () => _state.Update(state =>
        {
            if (key is null || !state.Config.TryGetValue(key, out var old))
            {
                return (state, false);
            }

            var now = Time.GetUtcNow();
            return (state with
            {
                Config = state.Config.Remove(key),
                ConfigurationOperations = state.ConfigurationOperations.AppendBounded(new ConfigurationOperation(NewId("conf"), key, "remove", old, null, "runtime", now), Context.Options.HistoryLimit),
            }, true);
        }));

    /// <summary>The status of every registered component: live when it runs in this host, else as last recorded.</summary>
    public IReadOnlyList<ComponentStatus> GetStatusAll()
    {
        var registry = Context.Registry;
        return Run("status_all", () => State.Components.Values
            .OrderBy(c => c.Order)
            .Select(c => registry?.FindByName(c.Name) is { } live
                ? new ComponentStatus(c.Name, c.Type, c.Order, live.Status, true)
                : new ComponentStatus(c.Name, c.Type, c.Order, c.Status, false))
            .ToList());
    }

    /// <summary>Starts every registered component that runs in this host and is offline or in error, in registration order; returns once the record is durable.</summary>
    public Task<SystemOperation> InitializeAllAsync(CancellationToken cancellationToken = default) =>
        RunAsync("initialize_all", async ct =>
        {
            var generations = CaptureGenerations();
            var errors = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (component, lifecycle) in LiveComponents())
            {
                if (component.Status is "offline" or "error")
                {
                    try
                    {
                        await lifecycle.StartWorkAsync(ct).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        errors[component.Name] = ex.GetType().Name;
                    }
                }
            }

            var record = RecordSystemOperation("initialize_all", errors);
            await WhenDurableAsync(generations, ct).ConfigureAwait(false);
            return record;
        }, cancellationToken);

    /// <summary>Stops every other running component in reverse registration order and records (and saves, acknowledged) the result.</summary>
    public Task<SystemOperation> ShutdownAllAsync(CancellationToken cancellationToken = default) =>
        RunAsync("shutdown_all", async ct =>
        {
            var errors = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (component, lifecycle) in LiveComponents().AsEnumerable().Reverse())
            {
                if (component.Status is not "offline")
                {
                    try
                    {
                        await lifecycle.StopWorkAsync(ct).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        errors[component.Name] = ex.GetType().Name;
                    }
                }
            }

            var record = RecordSystemOperation("shutdown_all", errors);
            await SaveNowAsync(ct).ConfigureAwait(false);
            return record;
        }, cancellationToken);

    /// <inheritdoc />
    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        foreach (var (key, value) in Context.Options.CoreConfig)
        {
            try
            {
                SetConfigCore(key, value, "configuration");
            }
            catch (SecretDetectedException ex)
            {
                // A credential in plain configuration is not copied into the store; the rest of the configuration is.
                ManagersLog.ConfigValueRefused(Logger, key, ex.Findings[0].Kind);
            }
        }

        if (Context.Registry is { } registry)
        {
            foreach (var manager in registry.Managers)
            {
                RegisterComponent(manager.Name, manager.GetType().Name, manager.Status);
            }
        }

        RecordSystemOperation("startup", new Dictionary<string, string>());
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override Task OnStopAsync(CancellationToken cancellationToken)
    {
        // The host stops the managers in reverse registration order; core management is registered first, so it stops last
        // and its record shows the others stopped. The host's final save runs after this.
        RecordSystemOperation("shutdown", new Dictionary<string, string>());
        return Task.CompletedTask;
    }

    // No heartbeat work: live statuses are read from the registry when asked (GetStatusAll), and a status seen on a timer is
    // telemetry, not state; recording it made an idle server write a snapshot at every change to idle. Statuses are stored with the
    // system operations (startup, initialize, shutdown).

    /// <inheritdoc />
    protected override void AddSummary(IDictionary<string, object?> summary)
    {
        var state = State;
        summary["components"] = state.Components.Count;
        summary["config_values"] = state.Config.Count;
        summary["system_operations"] = state.SystemOperations.Count;
        summary["last_system_operation"] = state.SystemOperations.LastOrDefault()?.Operation;
    }

    private List<(IManagedComponent Component, IManagedLifecycle Lifecycle)> LiveComponents()
    {
        var registry = Context.Registry;
        if (registry is null)
        {
            return [];
        }

        return State.Components.Values
            .OrderBy(c => c.Order)
            .Select(c => registry.FindByName(c.Name))
            .Where(m => m is IManagedLifecycle && !ReferenceEquals(m, this))
            .Select(m => (m!, (IManagedLifecycle)m!))
            .ToList();
    }

    private void SetConfigCore(string key, string value, string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        var now = Time.GetUtcNow();
        _state.Update(state =>
        {
            state.Config.TryGetValue(key, out var old);
            if (old == value)
            {
                return state;
            }

            return state with
            {
                Config = state.Config.SetItem(key, value),
                ConfigurationOperations = state.ConfigurationOperations.AppendBounded(new ConfigurationOperation(NewId("conf"), key, "set", old, value, source, now), Context.Options.HistoryLimit),
            };
        });
    }

    private SystemOperation RecordSystemOperation(string operation, Dictionary<string, string> errors)
    {
        var now = Time.GetUtcNow();
        var statuses = RefreshStatuses();
        var record = new SystemOperation(
            NewId("sysop"),
            operation,
            now,
            errors.Count == 0,
            statuses.ToImmutableSortedDictionary(StringComparer.Ordinal),
            errors.ToImmutableSortedDictionary(StringComparer.Ordinal));
        _state.Update(state => state with { SystemOperations = state.SystemOperations.AppendBounded(record, Context.Options.HistoryLimit) });
        return record;
    }

    /// <summary>Records status changes of live components; returns the statuses (name → status).</summary>
    private Dictionary<string, string> RefreshStatuses()
    {
        var registry = Context.Registry;
        var now = Time.GetUtcNow();
        var live = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var component in State.Components.Values)
        {
            live[component.Name] = registry?.FindByName(component.Name)?.Status ?? component.Status;
        }

        _state.Update(state =>
        {
            var components = state.Components;
            foreach (var (name, status) in live)
            {
                if (components.TryGetValue(name, out var record) && record.Status != status)
                {
                    components = components.SetItem(name, record with { Status = status, StatusChangedAt = now });
                }
            }

            return ReferenceEquals(components, state.Components) ? state : state with { Components = components };
        });
        return live;
    }

    private static CoreManagementState Normalize(CoreManagementState state) =>
        state with
        {
            Components = state.Components.Ordinal(),
            Config = state.Config.Ordinal(),
            ComponentRegistrations = state.ComponentRegistrations ?? [],
            ConfigurationOperations = state.ConfigurationOperations ?? [],
            SystemOperations = state.SystemOperations ?? [],
        };
}
