using BenchmarkDotNet.Running;
using StateVault.Benchmarks;

// `durable`: the one-run table of durable save time against the raw limit. Anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "durable")
{
    return await DurableRunner.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "peers")
{
    return await PeersRunner.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "breakdown")
{
    return await BreakdownRunner.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "folders")
{
    return await FolderViewsRunner.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "unlink")
{
    return await UnlinkRunner.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "coldload")
{
    return await ColdLoadRunner.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "coldsave")
{
    return await ColdSaveRunner.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "churn")
{
    return await ChurnRunner.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "json")
{
    return JsonOptionsRunner.Run();
}

if (args.Length > 0 && args[0] == "phases")
{
    return PhasesRunner.Run();
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
