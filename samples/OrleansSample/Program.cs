// A one-silo Orleans app whose grain state is stored by StateVault. Run it twice: the count goes on.
//   dotnet run --project samples/OrleansSample            (store: file:./data/orleans-sample)
//   STATEVAULT_STORE=postgresql://… dotnet run --project samples/OrleansSample
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansSample;

var store = Environment.GetEnvironmentVariable("STATEVAULT_STORE") ?? "file:./data/orleans-sample";
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddPostgreSqlSnapshotStoreProvider();
builder.UseOrleans(silo => silo
    .UseLocalhostClustering()
    .AddStateVaultGrainStorage("statevault", options => options.Store = store));

using var host = builder.Build();
await host.StartAsync();
var counter = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("visits");
var count = await counter.IncrementAsync();
Console.WriteLine($"visits = {count} (system {StateVault.Orleans.StateVaultGrainStorageNames.GetSystemName("orleans", "counter", counter.GetGrainId())} in {store})");
await host.StopAsync();
