using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StateVault.Hosting;
using StateVault.Managers.ApiKeys;
using StateVault.Server.Hosting;
using StateVault.Storage;

namespace StateVault.Server.Tests.Support;

/// <summary>
/// A real StateVault server for a test: the server's own builder, real Kestrel on a free loopback port, a file store in a
/// temporary folder, the real eight managers and the real API key manager as the key registry. A test that needs a
/// controllable manager adds a <see cref="FakeManagedComponent"/> next to them (<c>extraManager</c>).
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly bool _ownsRoot;

    private ServerHost(WebApplication app, string storeRoot, bool ownsRoot, IAccessKeyRegistry keys, StringWriter console, CapturingLoggerProvider logs)
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

    public IAccessKeyRegistry Keys { get; }

    public IManagerRegistry Managers => App.Services.GetRequiredService<IManagerRegistry>();

    /// <summary>The live manager of type <typeparamref name="T"/> (one of the eight).</summary>
    public T Manager<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public StringWriter Console { get; }

    public CapturingLoggerProvider Logs { get; }

    public string ReaderKey { get; private set; } = "";

    public string WriterKey { get; private set; } = "";

    public string AdminKey { get; private set; } = "";

    public SnapshotVault Vault => App.Services.GetRequiredService<SnapshotVault>();

    /// <summary>Where the first admin key of a server on <see cref="StoreRoot"/> is written.</summary>
    public string FirstAdminKeyFile => FirstAdminKeyFileOf(StoreRoot);

    public static string FirstAdminKeyFileOf(string storeRoot) => storeRoot.TrimEnd(Path.DirectorySeparatorChar) + ".admin-key";

    public StateVault.Hosting.IStatePersistence Persistence => App.Services.GetRequiredService<StateVault.Hosting.IStatePersistence>();

    public static async Task<ServerHost> StartAsync(
        string? storeRoot = null,
        FakeManagedComponent? extraManager = null,
        bool createKeys = true,
        TimeProvider? timeProvider = null,
        IDictionary<string, string>? settings = null,
        CancellationToken cancellationToken = default,
        Func<ISnapshotStore, ISnapshotStore>? decorateStore = null,
        bool ownsRoot = false,
        bool interactiveConsole = false)
    {
        ownsRoot |= storeRoot is null;
        storeRoot ??= Path.Combine(Path.GetTempPath(), "sv-server-" + Guid.NewGuid().ToString("N"));
        // The managers save when a test asks (SaveNow, a key creation) and at stop; no timer saves or samples in between,
        // so what a test finds in the store is what it did.
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["StateVault:AutosaveDebounce"] = "01:00:00",
            ["StateVault:AutosaveMaxInterval"] = "01:00:00",
            ["StateVault:Server:HostMetricsInterval"] = "01:00:00",
            // Beside this test's store, not in the shared temporary folder (the default is the store root's parent).
            ["StateVault:Server:FirstAdminKeyFile"] = FirstAdminKeyFileOf(storeRoot),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        string[] args = ["--urls", "http://127.0.0.1:0", "--store", "file:" + storeRoot, .. all.SelectMany(s => new[] { "--" + s.Key, s.Value })];
        var builder = StateVaultServer.CreateBuilder(args);
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        var console = new StringWriter();
        builder.Services.AddSingleton(new ServerConsole(TextWriter.Synchronized(console), interactiveConsole));
        if (extraManager is not null)
        {
            builder.Services.AddStateVault().AddManager(_ => extraManager);
        }

        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        if (decorateStore is not null)
        {
            // Registered last, so it is the store the vault resolves.
            var uri = "file:" + storeRoot;
            builder.Services.AddSingleton(sp => decorateStore(sp.GetRequiredService<SnapshotStoreFactory>().Open(uri)));
        }

        var app = StateVaultServer.Build(builder);
        await app.StartAsync(cancellationToken);
        var keys = app.Services.GetRequiredService<IAccessKeyRegistry>();
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

    /// <summary>
    /// Every file under the store root (what was written), relative to it, except in the folders of the managers' own systems
    /// (the API key manager saves each key creation; a test looks at what the API wrote).
    /// </summary>
    public IReadOnlyList<string> StoredFiles()
    {
        var owned = Managers.Managers.SelectMany(m => m.Systems).ToHashSet(StringComparer.Ordinal);
        return Directory.Exists(StoreRoot)
            ? Directory.GetFiles(StoreRoot, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(StoreRoot, f))
                .Where(f => !owned.Contains(f.Split(Path.DirectorySeparatorChar)[0]))
                .Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>The names of the systems in the store that no manager owns.</summary>
    public async Task<IReadOnlyList<string>> UnownedSystemsAsync(CancellationToken cancellationToken)
    {
        var systems = await Vault.ListSystemsAsync(cancellationToken);
        return systems.Select(s => s.Name).Where(n => Managers.FindBySystem(n) is null).ToList();
    }

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

        if (_ownsRoot)
        {
            File.Delete(FirstAdminKeyFile);
        }
    }

    private static CancellationToken TestContextToken() => Xunit.TestContext.Current.CancellationToken;
}
