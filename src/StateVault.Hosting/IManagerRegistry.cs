namespace StateVault.Hosting;

/// <summary>The managed components of a host, in registration order.</summary>
public interface IManagerRegistry
{
    /// <summary>Every registered manager, in registration order.</summary>
    IReadOnlyList<IManagedComponent> Managers { get; }

    /// <summary>The manager with this name, or <see langword="null"/>.</summary>
    IManagedComponent? FindByName(string name);

    /// <summary>The manager that owns this system, or <see langword="null"/>.</summary>
    IManagedComponent? FindBySystem(string system);

    /// <summary>Raised after a manager's state changed or was saved (for server-sent events).</summary>
    event EventHandler<ManagedStateChangedEventArgs>? StateChanged;
}
