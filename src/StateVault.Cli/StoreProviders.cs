using StateVault.Http;
using StateVault.Mirror;
using StateVault.PostgreSql;
using StateVault.S3;
using StateVault.Sqlite;
using StateVault.Storage;

namespace StateVault.Cli;

/// <summary>
/// Every store the CLI can open by URI (<c>--store</c>, <c>--from</c>, <c>--to</c>). Adding a store is one line here
/// (plus its project reference).
/// </summary>
internal static class StoreProviders
{
    private static readonly ISnapshotStoreProvider[] s_direct =
    [
        new FileSnapshotStoreProvider(),
        new SqliteSnapshotStoreProvider(),
        new PostgreSqlSnapshotStoreProvider(),
        new S3SnapshotStoreProvider(),
        new HttpSnapshotStoreProvider(),
    ];

    /// <summary>The direct stores plus <c>mirror:</c>, whose two sides may be any direct store.</summary>
    public static IReadOnlyList<ISnapshotStoreProvider> All { get; } = [.. s_direct, new MirrorSnapshotStoreProvider(s_direct)];
}
