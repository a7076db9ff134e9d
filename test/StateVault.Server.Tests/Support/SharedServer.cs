using Xunit;

namespace StateVault.Server.Tests.Support;

/// <summary>
/// One server for every test of a class (a class fixture), for tests that only read or that write under names of their own:
/// starting a server per theory row would cost most of the suite's time.
/// </summary>
public class SharedServer : IAsyncLifetime
{
    private ServerHost? _host;

    public ServerHost Host => _host ?? throw new InvalidOperationException("The shared server has not started.");

    protected virtual IDictionary<string, string>? Settings => null;

    public async ValueTask InitializeAsync() => _host = await ServerHost.StartAsync(settings: Settings);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
