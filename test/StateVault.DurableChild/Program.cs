using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StateVault.DurableChild;

// dotnet StateVault.DurableChild.dll <store root> loop|read
//   loop: prints READY, then increments the counter through the awaited durable StateCell.UpdateAsync forever, printing
//         "ACK <n>" after each call returned; the test kills it with SIGKILL right after an ACK.
//   read: prints "COUNT <n>", the counter restored at start.
if (args.Length != 2 || args[1] is not ("loop" or "read"))
{
    await Console.Error.WriteLineAsync("usage: StateVault.DurableChild <store root> loop|read");
    return 2;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Services.AddStateVault(options => options.Store = "file:" + args[0])
    .AddStateVaultManager<CounterManager>();
using var host = builder.Build();
await host.StartAsync();
var counter = host.Services.GetRequiredService<CounterManager>();
var output = Console.Out;
if (args[1] == "read")
{
    await output.WriteLineAsync("COUNT " + counter.Count.ToString(CultureInfo.InvariantCulture));
    await output.FlushAsync();
    await host.StopAsync();
    return 0;
}

await output.WriteLineAsync("READY");
await output.FlushAsync();
while (true)
{
    var n = await counter.IncrementAsync(CancellationToken.None);
    await output.WriteLineAsync("ACK " + n.ToString(CultureInfo.InvariantCulture));
    await output.FlushAsync();
}
