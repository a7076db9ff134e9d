using StateVault.Hosting.Persistence;

namespace StateVault.Hosting;

/// <summary>The registered managers, in registration order; forwards state-change notifications.</summary>
internal sealed class ManagerRegistry : IManagerRegistry
{
    private readonly Dictionary<string, IManagedComponent> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IManagedComponent> _bySystem = new(StringComparer.Ordinal);

    public ManagerRegistry(IEnumerable<ManagerRegistration> registrations, IServiceProvider services, AutosaveCoordinator coordinator)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(coordinator);
        var managers = new List<IManagedComponent>();
        foreach (var registration in registrations)
        {
            var manager = (IManagedComponent)(services.GetService(registration.ManagerType)
                ?? throw new InvalidOperationException($"Manager type {registration.ManagerType.Name} is not registered in the container."));
            if (managers.Contains(manager))
            {
                continue;
            }

            if (!_byName.TryAdd(manager.Name, manager))
            {
                throw new InvalidOperationException($"Two managers are named '{manager.Name}'.");
            }

            foreach (var system in manager.Systems)
            {
                SystemName.Validate(system);
                if (!_bySystem.TryAdd(system, manager))
                {
                    throw new InvalidOperationException($"System '{system}' is owned by both '{_bySystem[system].Name}' and '{manager.Name}'.");
                }
            }

            managers.Add(manager);
        }

        Managers = managers;
        coordinator.Changed += (_, e) => StateChanged?.Invoke(this, e);
    }

    public IReadOnlyList<IManagedComponent> Managers { get; }

    public event EventHandler<ManagedStateChangedEventArgs>? StateChanged;

    public IManagedComponent? FindByName(string name) => name is not null && _byName.TryGetValue(name, out var manager) ? manager : null;

    public IManagedComponent? FindBySystem(string system) => system is not null && _bySystem.TryGetValue(system, out var manager) ? manager : null;
}
