using StateVault.Cli;

return await CliApplication.RunAsync(args).ConfigureAwait(false);
