namespace StateVault.Sqlite;

/// <summary>Options of the SQLite store: one database file holding every system's snapshots.</summary>
public sealed class SqliteSnapshotStoreOptions
{
    /// <summary>The database file. Created (with its folder) on first use; relative paths resolve against the working directory when the store is opened.</summary>
    /// <value><c>./data/statevault.db</c>.</value>
    public string DatabasePath { get; set; } = "./data/statevault.db";

    /// <summary>
    /// How long a writer waits for another connection or process that holds the write lock before the operation fails
    /// with a transient <see cref="SnapshotStoreException"/>.
    /// </summary>
    /// <value>30 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
