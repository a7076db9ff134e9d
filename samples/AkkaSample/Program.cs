// An Akka.NET persistent actor whose snapshots are stored by StateVault. Run it twice: the count goes on.
//   dotnet run --project samples/AkkaSample            (store: file:./data/akka-sample)
//   STATEVAULT_STORE=postgresql://… dotnet run --project samples/AkkaSample
using Akka.Actor;
using Akka.Configuration;
using AkkaSample;
using StateVault.Akka;

var store = Environment.GetEnvironmentVariable("STATEVAULT_STORE") ?? "file:./data/akka-sample";
var config = ConfigurationFactory.ParseString($$"""
    akka.loglevel = WARNING
    akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.statevault"
    akka.persistence.snapshot-store.statevault.store = "{{store}}"
    """).WithFallback(StateVaultPersistence.DefaultConfiguration());

using var system = ActorSystem.Create("sample", config);
var counter = system.ActorOf(Props.Create<VisitCounter>(), "visits");
var state = await counter.Ask<VisitState>(Environment.UserName, TimeSpan.FromSeconds(30));
Console.WriteLine($"visits = {state.Count} (system {StateVaultSnapshotStoreNames.GetSystemName("akka", "visit-counter")} in {store})");
await system.Terminate();
