using StateVault.Server.Tests.Support;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Http.Tests;

/// <summary>
/// One running server (real Kestrel, loopback, temporary file store) shared by a test class. Its store keeps chunks in
/// memory (<see cref="MemoryChunksStore"/>) over the file store's snapshots, so the <c>http:</c> store's chunk facts run
/// through the server's chunk routes whatever the file store itself supports.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public ServerHost Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await ServerHost.StartAsync(
        cancellationToken: TestContext.Current.CancellationToken,
        decorateStore: store => new MemoryChunksStore(store));

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
