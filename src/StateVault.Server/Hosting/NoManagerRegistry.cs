using StateVault.Hosting;

namespace StateVault.Server.Hosting;

/// <summary>
/// The registry of a server that hosts no managers and only keeps other processes' systems (used when the composition
/// root registers no <see cref="IManagerRegistry"/>).
/// </summary>
internal sealed class NoManagerRegistry : IManagerRegistry
{
    public IReadOnlyList<IManagedComponent> Managers => [];

    public IManagedComponent? FindByName(string name) => null;

    public IManagedComponent? FindBySystem(string system) => null;

    public event EventHandler<ManagedStateChangedEventArgs>? StateChanged
    {
        add { }
        remove { }
    }
}
