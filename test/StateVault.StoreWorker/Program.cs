// Child process of the multi-process store tests.
//
//   StateVault.StoreWorker save <store-uri> <system[,system…]> <count> <writer-id>
//   StateVault.StoreWorker contend <store-uri> <system[,system…]> <count> <writer-id>
//   StateVault.StoreWorker hold <store-uri> <system>
//
// save: opens the store, prints "ready", waits for one line on stdin (so every process starts saving at the same moment),
// then saves <count> JSON documents {"writer":…,"i":…} through the engine, cycling over the systems, and prints
// "ack <system> <sequence> <writer-id> <i>" for each acknowledged save. Exit code 0 when every save was acknowledged.
// contend: the same, but the store gives up waiting for a lock after a fraction of a second; the first time it does, the
// worker prints "blocked" (another process held the lock it needed) and then keeps trying until the append succeeds.
// hold: starts one append of <system> and, inside it (holding the store's write lock: SQLite's write transaction,
// PostgreSQL's high-water row), prints "holding <sequence>" and waits for a line on stdin; then finishes the append and
// prints "ack <system> <sequence> holder 0".
//   StateVault.StoreWorker apikeys <store-uri> <provider> <key>
// apikeys: runs a host with the API key manager on the store, configured from environment variables (as the server is),
// adds the provider key, prints "fingerprint <hex>", stops (saving). A configuration error: its message on stderr, exit 2.
using System.Globalization;
using System.Text;
using StateVault;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.PostgreSql;
using StateVault.Retention;
using StateVault.Sqlite;
using StateVault.Storage;
using StateVault.StoreWorker;

switch (args)
{
    case ["save", var uri, var systems, var count, var writer]:
        return await SaveAsync(Open(uri, shortLockWaits: false), systems, count, writer);
    case ["contend", var uri, var systems, var count, var writer]:
        return await SaveAsync(new ContendingStore(Open(uri, shortLockWaits: true)), systems, count, writer);
    case ["hold", var uri, var system]:
        return await HoldAsync(Open(uri, shortLockWaits: false), system);
    case ["apikeys", var uri, var provider, var key]:
        return await ApiKeysWorker.RunAsync(uri, provider, key);
    default:
        await Console.Error.WriteLineAsync("usage: StateVault.StoreWorker save|contend <store-uri> <system[,system...]> <count> <writer-id> | hold <store-uri> <system>");
        return 2;
}

static ISnapshotStore Open(string uri, bool shortLockWaits)
{
    if (!shortLockWaits)
    {
        return new SnapshotStoreFactory([new SqliteSnapshotStoreProvider(), new PostgreSqlSnapshotStoreProvider()]).Open(uri);
    }

    // Give up waiting for another process's lock quickly, so the wait shows as a (transient) failure the worker reports.
    if (uri.StartsWith("sqlite:", StringComparison.Ordinal))
    {
        return SqliteSnapshotStoreProvider.Create(new SqliteSnapshotStoreOptions { DatabasePath = SqliteSnapshotStoreProvider.ParsePath(uri), BusyTimeout = TimeSpan.FromMilliseconds(100) });
    }

    var options = PostgreSqlSnapshotStoreProvider.ParseUri(uri);
    options.ConnectionString += ";Options=-c lock_timeout=100";
    return PostgreSqlSnapshotStoreProvider.Create(options);
}

static async Task<int> SaveAsync(ISnapshotStore store, string systemList, string countText, string writer)
{
    var systems = systemList.Split(',', StringSplitOptions.RemoveEmptyEntries);
    var count = int.Parse(countText, CultureInfo.InvariantCulture);
    await using var owned = store;
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
        var json = Encoding.UTF8.GetBytes(new WorkerAck(system, 0, writer, i).Json);
        var saved = await vault.SaveJsonAsync(system, json);
        // One line per acknowledged save, written as soon as it is acknowledged.
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ack {system} {saved.Sequence} {writer} {i}"));
        Console.Out.Flush();
    }

    return 0;
}

static async Task<int> HoldAsync(ISnapshotStore store, string system)
{
    await using var owned = store;
    await store.GetLatestSequenceAsync(system, CancellationToken.None);
    var sequence = await store.AppendAsync(system, null, seq =>
    {
        // Inside the append: the store holds its write lock until this returns and the append commits.
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"holding {seq}"));
        Console.Out.Flush();
        Console.In.ReadLine();
        var payload = Encoding.UTF8.GetBytes(new WorkerAck(system, 0, "holder", 0).Json);
        return SnapshotEnvelope.Create(
            new SnapshotHeader
            {
                System = system,
                Sequence = seq,
                CreatedUtc = DateTimeOffset.UtcNow,
                SchemaVersion = 1,
                StateType = "json",
                Codec = SnapshotCodecs.Identity,
                StoredLength = payload.Length,
                RawLength = payload.Length,
                Sha256 = SnapshotEnvelope.Sha256Hex(payload),
                Producer = "holder",
            },
            payload);
    }, CancellationToken.None);
    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ack {system} {sequence} holder 0"));
    Console.Out.Flush();
    return 0;
}
