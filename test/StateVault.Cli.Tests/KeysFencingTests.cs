using Microsoft.Extensions.DependencyInjection;
using StateVault.Managers;
using StateVault.Managers.ApiKeys;
using Xunit;

namespace StateVault.Cli.Tests;

/// <summary>
/// <c>statevault keys</c> on a direct store while another process (here: a registry opened in the test) also writes the
/// <c>api_keys</c> system: no writer overwrites a snapshot it has not seen.
/// </summary>
public sealed class KeysFencingTests : IDisposable
{
    private const string Secret = "a-configured-fingerprint-secret-for-tests";
    private readonly CliWorkspace _workspace = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task KeysCreate_RunningHostWritesAfterwards_HostsSaveIsRefusedAndNoKeyIsLost()
    {
        _workspace.Cli.WithEnvironment("StateVault__Managers__ApiKeys__FingerprintSecret", Secret);
        await using var services = OpenServices();
        var sut = await services.OpenAccessKeyRegistryAsync(Ct); // the "running host": restored before the CLI writes

        var fromCli = (await _workspace.RunAsync("keys", "create", "--role", "admin")).ShouldExit(0).Stdout.Trim();
        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => sut.CreateAccessKeyAsync(AccessRole.Reader, "host", Ct));

        // The host reloaded: it knows the CLI's key, and its own next creation lands on top of it.
        Assert.NotNull(sut.ValidateAccessKey(fromCli));
        var fromHost = await sut.CreateAccessKeyAsync(AccessRole.Reader, "host", Ct);
        var listed = (await _workspace.RunAsync("keys", "list", "--json")).ShouldExit(0).Json().GetProperty("keys").EnumerateArray()
            .Select(k => k.GetProperty("id").GetString()).ToList();
        Assert.Contains(fromCli.Substring(4, 12), listed);
        Assert.Contains(fromHost.Info.Id, listed);
    }

    [Fact]
    public async Task KeysRevoke_HostCreatedAKeyAfterTheCliRestored_CliNeverOverwritesIt()
    {
        _workspace.Cli.WithEnvironment("StateVault__Managers__ApiKeys__FingerprintSecret", Secret);
        await using var services = OpenServices();
        var host = await services.OpenAccessKeyRegistryAsync(Ct);
        var first = await host.CreateAccessKeyAsync(AccessRole.Admin, "first", Ct);

        (await _workspace.RunAsync("keys", "revoke", first.Info.Id)).ShouldExit(0);
        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => host.CreateAccessKeyAsync(AccessRole.Reader, "second", Ct));

        Assert.Null(host.ValidateAccessKey(first.Key)); // the revocation is seen by the host after its reload
        var listed = (await _workspace.RunAsync("keys", "list", "--json")).ShouldExit(0).Json().GetProperty("keys").EnumerateArray().ToList();
        var only = Assert.Single(listed);
        Assert.True(only.GetProperty("revoked").GetBoolean());
    }

    private ServiceProvider OpenServices()
    {
        var collection = new ServiceCollection();
        collection.AddStateVault(options => options.Store = _workspace.Store).AddStateVaultManager<ApiKeysManager>();
        collection.Configure<ManagerOptions>(o => o.ApiKeys.FingerprintSecret = Secret);
        return collection.BuildServiceProvider();
    }
}
