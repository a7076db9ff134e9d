using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StateVault.Hosting;

namespace StateVault.Managers;

/// <summary>What every manager is built with: the vault, the host's persistence, the clock, logging and options.</summary>
public sealed class ManagerContext
{
    private readonly IServiceProvider? _services;
    private readonly IManagerRegistry? _registry;

    /// <summary>Creates a context from the container (the registry is resolved lazily: it lists the managers themselves).</summary>
    public ManagerContext(
        SnapshotVault vault,
        IStatePersistence persistence,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IOptions<ManagerOptions> options,
        IServiceProvider services)
        : this(vault, persistence, timeProvider, loggerFactory, options?.Value ?? new ManagerOptions(), registry: null)
    {
        _services = services;
    }

    /// <summary>Creates a context by hand (tests, tools).</summary>
    public ManagerContext(
        SnapshotVault vault,
        IStatePersistence persistence,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        ManagerOptions? options = null,
        IManagerRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(persistence);
        Vault = vault;
        Persistence = persistence;
        Time = timeProvider ?? TimeProvider.System;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Options = options ?? new ManagerOptions();
        _registry = registry;
    }

    /// <summary>The vault.</summary>
    public SnapshotVault Vault { get; }

    /// <summary>The host's persistence (change tracking and saves).</summary>
    public IStatePersistence Persistence { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Logging.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Options.</summary>
    public ManagerOptions Options { get; }

    /// <summary>The registry of all managers of the host, or <see langword="null"/> outside a container.</summary>
    public IManagerRegistry? Registry => _registry ?? _services?.GetService<IManagerRegistry>();

    /// <summary>A service from the container, or <see langword="null"/>.</summary>
    public T? GetService<T>() where T : class => _services?.GetService<T>();
}
