using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using StateVault.Hosting;
using StateVault.Managers.ApiKeys;
using StateVault.Server.Diagnostics;
using StateVault.Storage;

namespace StateVault.Server.Hosting;

/// <summary>
/// Once the server listens (after every hosted service started, so the key registry has restored its state): logs the
/// dashboard address and, when no key exists yet, creates an admin key and writes it once to an owner-only file beside the
/// data (<see cref="FirstAdminKeyFile"/>); the log names the file, never the key. Only when standard output is an interactive
/// terminal (<see cref="ServerConsole.IsInteractive"/>) are the address and the key also printed there, with a dashboard link
/// that carries the key. Redirected output stays the log stream alone (JSON lines with the JSON console formatter). A manager's
/// system that has no snapshot at all (a fresh store) is marked changed, so its starting state is saved by the autosave (and at
/// stop at the latest) and every system shows on the dashboard from the first start.
/// </summary>
internal sealed class FirstStartService(
    IServer server,
    IAccessKeyRegistry keys,
    ServerConsole console,
    IOptions<StateVaultServerOptions> options,
    StoreLocation store,
    IManagerRegistry managers,
    IStatePersistence persistence,
    ILogger<FirstStartService> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        foreach (var manager in managers.Managers)
        {
            foreach (var system in manager.Systems)
            {
                var status = persistence.GetStatus(system);
                if (status.Restore is { FromDefaults: true, FellBack: false } && status.LastSavedSequence is null)
                {
                    persistence.MarkChanged(manager, system);
                }
            }
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        var dashboard = DashboardAddress(addresses);
        var redactedStore = SnapshotStoreFactory.Redact(store.Uri);
        Log.Listening(logger, dashboard, string.Join(", ", addresses), redactedStore);
        var output = console.Writer;
        if (console.IsInteractive)
        {
            await output.WriteLineAsync($"StateVault dashboard: {dashboard}").ConfigureAwait(false);
            await output.WriteLineAsync($"Store: {redactedStore}").ConfigureAwait(false);
        }

        if (options.Value.CreateFirstAdminKey && keys.ListAccessKeys().Count == 0)
        {
            await CreateFirstKeyAsync(dashboard, cancellationToken).ConfigureAwait(false);
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CreateFirstKeyAsync(string dashboard, CancellationToken cancellationToken)
    {
        var file = FirstAdminKeyFile.PathFor(store.Uri, options.Value.FirstAdminKeyFile);
        if (file is null && !console.IsInteractive)
        {
            // Nobody would ever see the key: create none; the operator creates one with `statevault keys create`.
            Log.FirstKeyNotCreated(logger, SnapshotStoreFactory.GetScheme(store.Uri));
            return;
        }

        var created = await keys.CreateAccessKeyAsync(AccessRole.Admin, "created at first start", cancellationToken).ConfigureAwait(false);
        if (file is not null)
        {
            try
            {
                await FirstAdminKeyFile.WriteAsync(file, created.Key, cancellationToken).ConfigureAwait(false);
                Log.FirstKeyWritten(logger, created.Info.Id, file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.FirstKeyFileFailed(logger, created.Info.Id, file, ex.GetType().Name, ex.Message);
                if (!console.IsInteractive)
                {
                    // A key nobody can read is only a risk: take it back.
                    await keys.RevokeAccessKeyAsync(created.Info.Id, cancellationToken).ConfigureAwait(false);
                    return;
                }

                file = null;
            }
        }
        else
        {
            Log.FirstKeyCreated(logger, created.Info.Id);
        }

        if (!console.IsInteractive)
        {
            return;
        }

        var output = console.Writer;
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(file is null
            ? "No access key existed, so an admin key was created. It is shown this once and stored only as a salted hash:"
            : $"No access key existed, so an admin key was created (also written to {file}, readable by you only):").ConfigureAwait(false);
        await output.WriteLineAsync($"  {created.Key}").ConfigureAwait(false);
        await output.WriteLineAsync($"Open the dashboard with it: {dashboard}#key={Uri.EscapeDataString(created.Key)}").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A browsable address: wildcard hosts become 127.0.0.1.</summary>
    internal static string DashboardAddress(IReadOnlyList<string> addresses)
    {
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault() ?? StateVaultServer.DefaultUrl;
        address = address.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal);
        return address.EndsWith('/') ? address : address + "/";
    }
}

/// <summary>The store URI the server opened (for the start banner; printed redacted).</summary>
/// <param name="Uri">The URI.</param>
internal sealed record StoreLocation(string Uri);
