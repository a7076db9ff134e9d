using InventorySample;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Program.cs: restore at start, durable acknowledgement (group commit), save on stop, retries and health checks.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddStateVault(builder.Configuration)           // StateVault:Store, or STATEVAULT_STORE, default file:./data/persistent
    .AddStateVaultManager<InventoryManager>();
using var host = builder.Build();

// The sample adds one item per run and stops, so running it twice shows the state surviving the restart.
await host.StartAsync();
var inventory = host.Services.GetRequiredService<InventoryManager>();
Console.WriteLine($"apples in stock: {await inventory.AddAsync("apples", 3)}");
await host.StopAsync();
