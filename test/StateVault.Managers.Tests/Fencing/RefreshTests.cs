using Microsoft.Extensions.Time.Testing;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Core;
using Xunit;

namespace StateVault.Managers.Tests.Fencing;

/// <summary>Two hosts on one store: what one saves, the other shows after the refresh interval (access keys included).</summary>
public sealed class RefreshTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CreateAccessKeyAsync_OnOneHost_KeyWorksOnTheOtherAfterTheRefreshIntervalAndRevocationToo()
    {
        await using var first = ManagerHost.Create(_dir.Store, _time);
        await using var second = ManagerHost.Create(_dir.Store, _time);
        await first.Host.StartAsync(Ct);
        await second.Host.StartAsync(Ct);
        var sut = second.Manager<ApiKeysManager>();

        var created = await first.Manager<ApiKeysManager>().CreateAccessKeyAsync(AccessRole.Writer, "made on the first", Ct);
        Assert.Null(sut.ValidateAccessKey(created.Key));
        // Advanced between polls: the refresh loop may register its next wait on the fake clock after any single advance.
        await Eventually.TrueAsync(() => sut.ValidateAccessKey(created.Key) is not null, "the key on the second host", between: () => _time.Advance(TimeSpan.FromSeconds(1)));

        await first.Manager<ApiKeysManager>().RevokeAccessKeyAsync(created.Info.Id, Ct);
        await Eventually.TrueAsync(() => sut.ValidateAccessKey(created.Key) is null, "the revocation on the second host", between: () => _time.Advance(TimeSpan.FromSeconds(1)));

        // After the refresh the second host's own change is no conflict.
        var own = await sut.CreateAccessKeyAsync(AccessRole.Reader, "made on the second", Ct);
        Assert.NotNull(sut.ValidateAccessKey(own.Key));
        Assert.Equal(0, second.Persistence.GetStatus(ApiKeysManager.ManagerName).Conflicts);
        await second.Host.StopAsync(Ct);
        await first.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task RefreshInterval_Zero_OtherHostsSaveIsNotPickedUp()
    {
        await using var first = ManagerHost.Create(_dir.Store, _time);
        await using var second = ManagerHost.Create(_dir.Store, _time, hosting: o => o.RefreshInterval = TimeSpan.Zero);
        await first.Host.StartAsync(Ct);
        await second.Host.StartAsync(Ct);

        await first.Manager<CoreManager>().SetConfigAsync("mode", "a", Ct);
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.False(second.Manager<CoreManager>().State.Config.ContainsKey("mode"));
        await second.Host.StopAsync(Ct);
        await first.Host.StopAsync(Ct);
    }
}
