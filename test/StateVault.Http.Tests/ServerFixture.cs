using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Http.Tests;

/// <summary>One running server (real Kestrel, loopback, temporary file store) shared by a test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public ServerHost Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await ServerHost.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
