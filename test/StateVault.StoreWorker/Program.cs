// Child process of the multi-process store tests.
//
//   StateVault.StoreWorker save <store-uri> <system[,system…]> <count> <writer-id>
//
// Opens the store, prints "ready", waits for one line on stdin (so every process starts saving at the same moment),
// then saves <count> JSON documents {"writer":…,"i":…} through the engine, cycling over the systems, and prints
// "ack <system> <sequence> <writer-id> <i>" for each acknowledged save. Exit code 0 when every save was acknowledged.
using System.Globalization;
using System.Text;
using StateVault;
using StateVault.PostgreSql;
using StateVault.Retention;
using StateVault.Sqlite;
using StateVault.Storage;

if (args.Length != 5 || args[0] != "save")
{
    await Console.Error.WriteLineAsync("usage: StateVault.StoreWorker save <store-uri> <system[,system...]> <count> <writer-id>");
    return 2;
}

var uri = args[1];
var systems = args[2].Split(',', StringSplitOptions.RemoveEmptyEntries);
var count = int.Parse(args[3], CultureInfo.InvariantCulture);
var writer = args[4];

var factory = new SnapshotStoreFactory([new SqliteSnapshotStoreProvider(), new PostgreSqlSnapshotStoreProvider()]);
await using var store = factory.Open(uri);
await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll, PruneAfterSave = false });

// Touch the store first: schema creation and the first connection are not part of the race being tested.
await store.GetLatestSequenceAsync(systems[0], CancellationToken.None);
Console.Out.WriteLine("ready");
Console.Out.Flush();
if (Console.In.ReadLine() is null)
{
    return 3;
}

for (var i = 0; i < count; i++)
{
    var system = systems[i % systems.Length];
    var json = Encoding.UTF8.GetBytes(new StateVault.StoreWorker.WorkerAck(system, 0, writer, i).Json);
    var saved = await vault.SaveJsonAsync(system, json);
    // One line per acknowledged save, written as soon as it is acknowledged.
    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ack {system} {saved.Sequence} {writer} {i}"));
    Console.Out.Flush();
}

return 0;
