using StateVault.PostgreSql;
using StateVault.Sqlite;
using StateVault.Storage;

namespace StateVault.Cli;

/// <summary>
/// Every store the CLI can open by URI (<c>--store</c>, <c>--from</c>, <c>--to</c>). Adding a store is one line here
/// (plus its project reference).
/// </summary>
internal static class StoreProviders
{
    public static IReadOnlyList<ISnapshotStoreProvider> All { get; } =
    [
        new FileSnapshotStoreProvider(),
        new SqliteSnapshotStoreProvider(),
        new PostgreSqlSnapshotStoreProvider(),
    ];
}
