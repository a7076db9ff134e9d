namespace StateVault.PostgreSql;

/// <summary>Options of the PostgreSQL store. Several processes and machines may use the same database and schema at once.</summary>
public sealed class PostgreSqlSnapshotStoreOptions
{
    /// <summary>
    /// The Npgsql connection string (<c>Host=…;Port=…;Database=…;Username=…;Password=…</c>). It may hold a password:
    /// the store never logs it or puts it in an exception message.
    /// </summary>
    /// <remarks>A store URI (<c>postgresql://user:pass@host:port/db</c>) is mapped to this by <see cref="PostgreSqlSnapshotStoreProvider.ParseUri"/>.</remarks>
    public string ConnectionString { get; set; } = "";

    /// <summary>The schema holding the store's tables; created with them on first use.</summary>
    /// <value><c>statevault</c>. Lowercase letters, digits and <c>_</c>, starting with a letter or <c>_</c>, at most 63 characters.</value>
    public string Schema { get; set; } = "statevault";

    /// <summary>How long opening a connection may take before the operation fails with a transient <see cref="SnapshotStoreException"/>.</summary>
    /// <value>10 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long one command may run before it is cancelled and the operation fails with a transient <see cref="SnapshotStoreException"/>.
    /// Bounds how long a save can hang on a server that stopped answering.
    /// </summary>
    /// <value>60 seconds (a 64 MiB snapshot must fit in it).</value>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
