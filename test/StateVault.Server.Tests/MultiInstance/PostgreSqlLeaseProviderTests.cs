using StateVault.PostgreSql;
using StateVault.Server.Ownership;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.MultiInstance;

/// <summary>The PostgreSQL lease row on the real server (STATEVAULT_TEST_POSTGRES): one owner at a time, a growing fencing token.</summary>
public sealed class PostgreSqlLeaseProviderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TryAcquireAsync_TwoInstances_OneWinsTheOtherTakesOverOnlyAfterExpiryWithAHigherToken()
    {
        var server = Backend.RequireEnvironment("STATEVAULT_TEST_POSTGRES", "PostgreSQL");
        var schema = "lease_" + Guid.NewGuid().ToString("N")[..12];
        var options = PostgreSqlSnapshotStoreProvider.ParseUri(server);
        await using var a = new PostgreSqlLeaseProvider(options.ConnectionString, schema);
        await using var sut = new PostgreSqlLeaseProvider(options.ConnectionString, schema);
        // Taken for long enough that a loaded machine cannot let it run out before the refusal and the renewal are checked;
        // the renewal then shortens it, so the take-over comes soon.
        var held = TimeSpan.FromSeconds(60);
        var lease = TimeSpan.FromMilliseconds(400);

        var first = await a.TryAcquireAsync("core_management", "a", "http://a", held, TimeSpan.Zero, Ct);
        var refused = await sut.TryAcquireAsync("core_management", "b", "http://b", lease, TimeSpan.Zero, Ct);
        var holder = await sut.GetHolderAsync("core_management", Ct);

        Assert.NotNull(first);
        Assert.Null(refused);
        Assert.Equal("a", holder!.OwnerId);
        Assert.Equal("http://a", holder.OwnerUrl);
        Assert.True(await a.RenewAsync(first, lease, Ct));

        StateVault.Hosting.Ownership.SystemLease? taken = null;
        await Eventually.TrueAsync(
            async () => (taken = await sut.TryAcquireAsync("core_management", "b", "http://b", TimeSpan.FromSeconds(30), TimeSpan.Zero, Ct)) is not null,
            "the take-over after expiry");
        Assert.Equal(first.Token + 1, taken!.Token);
        Assert.False(await a.RenewAsync(first, lease, Ct)); // the old owner's lease is lost for good
        Assert.Null(await a.TryAcquireAsync("core_management", "a", "http://a", lease, TimeSpan.Zero, Ct));

        await sut.ReleaseAsync(taken, Ct);
        var back = await a.TryAcquireAsync("core_management", "a", "http://a", lease, TimeSpan.Zero, Ct);
        Assert.Equal(taken.Token + 1, back!.Token);
    }
}
