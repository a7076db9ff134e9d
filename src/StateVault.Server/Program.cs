using StateVault.Server.Hosting;

// Composition root. The managers (IManagerRegistry) and the API key manager (IAccessKeyRegistry) are registered on
// builder.Services here, between CreateBuilder and Build, once StateVault.Managers is part of the build.
var builder = StateVaultServer.CreateBuilder(args);
WebApplication app;
try
{
    app = StateVaultServer.Build(builder);
}
catch (InvalidOperationException ex)
{
    await Console.Error.WriteLineAsync($"statevault server: {ex.Message}");
    return 1;
}

await app.RunAsync();
return 0;
