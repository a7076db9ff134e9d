using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using StateVault.Storage;

namespace StateVault.Hosting.Tests;

/// <summary>A host on a temp file store with a fake clock, a <see cref="FailingSystemsStore"/> and a <see cref="CounterComponent"/>.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    private TestHost(IHost host, FailingSystemsStore store, CapturingLoggerProvider logs)
    {
        Host = host;
        Store = store;
        Logs = logs;
    }

    public IHost Host { get; }

    public FailingSystemsStore Store { get; }

    public CapturingLoggerProvider Logs { get; }

    public CounterComponent Counter => Host.Services.GetRequiredService<CounterComponent>();

    public SnapshotVault Vault => Host.Services.GetRequiredService<SnapshotVault>();

    public IStatePersistence Persistence => Host.Services.GetRequiredService<IStatePersistence>();

    public static TestHost Create(string root, FakeTimeProvider time, Action<StateVaultHostingOptions>? configure = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        var logs = new CapturingLoggerProvider();
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<TimeProvider>(time);
        var store = new FailingSystemsStore(FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = root, Durable = false }));
        builder.Services.AddSingleton<ISnapshotStore>(store);
        builder.Services.AddStateVault(options =>
            {
                options.Store = "file:" + root;
                options.StoreRetryAttempts = 0;
                options.Retention.KeepLast = 10;
                configure?.Invoke(options);
            })
            .AddManager(sp => new CounterComponent(sp.GetRequiredService<IStatePersistence>()));
        return new TestHost(builder.Build(), store, logs);
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }
    }
}

/// <summary>Keeps every log message (level and text) for assertions.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
    }
}
