namespace StateVault.Hosting;

/// <summary>A manager's system changed or was saved.</summary>
/// <param name="name">The manager name.</param>
/// <param name="system">The system.</param>
public sealed class ManagedStateChangedEventArgs(string name, string system) : EventArgs
{
    /// <summary>The manager name.</summary>
    public string Name { get; } = name;

    /// <summary>The system.</summary>
    public string System { get; } = system;
}
