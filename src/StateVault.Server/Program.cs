using StateVault.Server.Hosting;

// Composition root: StateVaultServer registers the engine, every store, the eight managers and the API key manager.
return await StateVaultServer.RunAsync(args).ConfigureAwait(false);
