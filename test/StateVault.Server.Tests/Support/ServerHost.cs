using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StateVault.Hosting;
using StateVault.Managers.ApiKeys;
using StateVault.Server.Hosting;

namespace StateVault.Server.Tests.Support;

/// <summary>
/// A real StateVault server for a test: the server's own builder, real Kestrel on a free loopback port, a file store in a
/// temporary folder, test doubles for the key registry and the managers.
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly bool _ownsRoot;

    private ServerHost(WebApplication app, string storeRoot, bool ownsRoot, InMemoryAccessKeyRegistry keys, StringWriter console, CapturingLoggerProvider logs)
    {
        App = app;
        StoreRoot = storeRoot;
        _ownsRoot = ownsRoot;
        Keys = keys;
        Console = console;
        Logs = logs;
        BaseAddress = new Uri(app.Urls.Single().TrimEnd('/') + "/");
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public string StoreRoot { get; }

    public InMemoryAccessKeyRegistry Keys { get; }

    public StringWriter Console { get; }

    public CapturingLoggerProvider Logs { get; }

    public string ReaderKey { get; private set; } = "";

    public string WriterKey { get; private set; } = "";

    public string AdminKey { get; private set; } = "";

    public SnapshotVault Vault => App.Services.GetRequiredService<SnapshotVault>();

    public static async Task<ServerHost> StartAsync(
        string? storeRoot = null,
        IManagerRegistry? managers = null,
        InMemoryAccessKeyRegistry? keys = null,
        bool createKeys = true,
        TimeProvider? timeProvider = null,
        IDictionary<string, string>? settings = null,
        CancellationToken cancellationToken = default)
    {
        var ownsRoot = storeRoot is null;
        storeRoot ??= Path.Combine(Path.GetTempPath(), "sv-server-" + Guid.NewGuid().ToString("N"));
        keys ??= new InMemoryAccessKeyRegistry(timeProvider);
        string[] args = ["--urls", "http://127.0.0.1:0", "--store", "file:" + storeRoot, .. (settings ?? new Dictionary<string, string>()).SelectMany(s => new[] { "--" + s.Key, s.Value })];
        var builder = StateVaultServer.CreateBuilder(args);
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        var console = new StringWriter();
        builder.Services.AddSingleton(new ServerConsole(TextWriter.Synchronized(console)));
        builder.Services.AddSingleton<IAccessKeyRegistry>(keys);
        if (managers is not null)
        {
            builder.Services.AddSingleton(managers);
        }

        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        var app = StateVaultServer.Build(builder);
        await app.StartAsync(cancellationToken);
        var host = new ServerHost(app, storeRoot, ownsRoot, keys, console, logs);
        if (createKeys)
        {
            host.ReaderKey = (await keys.CreateAccessKeyAsync(AccessRole.Reader, "test reader", cancellationToken)).Key;
            host.WriterKey = (await keys.CreateAccessKeyAsync(AccessRole.Writer, "test writer", cancellationToken)).Key;
            host.AdminKey = (await keys.CreateAccessKeyAsync(AccessRole.Admin, "test admin", cancellationToken)).Key;
        }

        return host;
    }

    /// <summary>A client for the server; with a key, every request carries it as a bearer token.</summary>
    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Every file under the store root (what was written), relative to it.</summary>
    public IReadOnlyList<string> StoredFiles() =>
        Directory.Exists(StoreRoot)
            ? Directory.GetFiles(StoreRoot, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(StoreRoot, f)).Order(StringComparer.Ordinal).ToList()
            : [];

    public async Task StopAsync()
    {
        await App.StopAsync(TestContextToken());
        await App.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync(CancellationToken.None);
        }
        catch (ObjectDisposedException)
        {
            // stopped already
        }

        await App.DisposeAsync();
        if (_ownsRoot && Directory.Exists(StoreRoot))
        {
            Directory.Delete(StoreRoot, recursive: true);
        }
    }

    private static CancellationToken TestContextToken() => Xunit.TestContext.Current.CancellationToken;
}
