namespace StateVault.Managers.Dependencies;

/// <summary>How a dependency is checked.</summary>
public enum DependencyKind
{
    /// <summary>An assembly that must load, by name.</summary>
    Assembly = 0,

    /// <summary>A network service that must accept a TCP connection (<c>host:port</c>).</summary>
    Tcp,

    /// <summary>The configured snapshot store, which must answer.</summary>
    Store,

    /// <summary>A Python module of the original system (imported): kept with its last result, never checked by this host.</summary>
    PythonModule,
}
