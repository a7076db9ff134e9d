using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StateVault.Managers;
using StateVault.Managers.ApiKeys;

namespace StateVault.StoreWorker;

/// <summary>The <c>apikeys</c> mode: the API key manager in a host of its own, configured from the environment like the server.</summary>
internal static class ApiKeysWorker
{
    public static async Task<int> RunAsync(string uri, string provider, string key)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        builder.Services.AddSqliteSnapshotStoreProvider();
        builder.Services.AddPostgreSqlSnapshotStoreProvider();
        builder.Services.AddStateVault(options => options.Store = uri)
            .AddStateVaultManager<ApiKeysManager>();
        builder.Services.Configure<ManagerOptions>(builder.Configuration.GetSection(ManagerOptions.SectionName));
        builder.Services.Configure<ManagerOptions>(options => options.ApiKeys.EnvironmentVariables.Clear());
        using var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }

        var info = host.Services.GetRequiredService<ApiKeysManager>().AddProviderKey(provider, key);
        Console.Out.WriteLine("fingerprint " + info.Record.Fingerprint);
        Console.Out.Flush();
        await host.StopAsync();
        return 0;
    }
}
