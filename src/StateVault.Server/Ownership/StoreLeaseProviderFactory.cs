using StateVault.Hosting.Ownership;
using StateVault.PostgreSql;
using StateVault.Sqlite;
using StateVault.Storage;

namespace StateVault.Server.Ownership;

/// <summary>
/// The lease provider for each store the server knows: an OS file lock next to the data for <c>file:</c> and <c>sqlite:</c>, a lease
/// row for PostgreSQL. S3 (and <c>http://</c>, <c>mirror:</c>) are refused: s3rver, the S3 server the tests use, does not honour
/// conditional writes (<c>If-None-Match: *</c>), so a lease object could be taken by two instances at once.
/// </summary>
internal sealed class StoreLeaseProviderFactory(TimeProvider time) : ISystemLeaseProviderFactory
{
    public ISystemLeaseProvider? Create(string storeUri, out string? refusal)
    {
        refusal = null;
        var scheme = SnapshotStoreFactory.GetScheme(storeUri);
        switch (scheme)
        {
            case FileSnapshotStoreProvider.Scheme:
                // A dot folder at the store root: never a system name, and the file store ignores it.
                return new FileLockLeaseProvider(Path.Combine(Path.GetFullPath(FileSnapshotStoreProvider.ParsePath(storeUri)), ".owners"), time);
            case "sqlite":
                var database = Path.GetFullPath(SqliteSnapshotStoreProvider.ParsePath(storeUri));
                return new FileLockLeaseProvider(database + ".owners", time);
            case PostgreSqlSnapshotStoreProvider.Scheme or PostgreSqlSnapshotStoreProvider.ShortScheme:
                var options = PostgreSqlSnapshotStoreProvider.ParseUri(storeUri);
                return new PostgreSqlLeaseProvider(options.ConnectionString, options.Schema);
            case "s3":
                refusal = "S3 leases need conditional writes (If-None-Match: *), which not every S3-compatible server honours (s3rver does not); multi-instance ownership is refused on s3://";
                return null;
            default:
                refusal = $"a {scheme}: store has no lease mechanism";
                return null;
        }
    }
}
