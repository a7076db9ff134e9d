using StateVault.Hosting.Ownership;
using StateVault.PostgreSql;
using StateVault.S3;
using StateVault.Sqlite;
using StateVault.Storage;

namespace StateVault.Server.Ownership;

/// <summary>
/// The lease provider for each store the server knows: an OS file lock next to the data for <c>file:</c> and <c>sqlite:</c>, a lease
/// row for PostgreSQL, a lease object written with conditional PUTs for S3 when the server honours them. Which S3 server does is
/// not assumed from the scheme: the store's conditional-write probe decides (s3rver, the S3 server the tests use, ignores
/// <c>If-None-Match: *</c> and is refused; AWS S3 and MinIO enforce it). <c>http://</c> and <c>mirror:</c> are refused.
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
                // Called once, at start-up, before the host serves anything (no synchronization context): waiting here keeps the
                // refusal where the other stores' is, and a start with an unreachable S3 server fails as it should.
                var (provider, why) = S3LeaseProvider.CreateAsync(S3SnapshotStoreProvider.Parse(storeUri), time, CancellationToken.None).GetAwaiter().GetResult();
                refusal = why;
                return provider;
            default:
                refusal = $"a {scheme}: store has no lease mechanism";
                return null;
        }
    }
}
