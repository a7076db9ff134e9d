namespace StateVault.Storage;

/// <summary>Options of the embedded file store.</summary>
public sealed class FileSnapshotStoreOptions
{
    /// <summary>The root folder; one sub-folder per system is created under it.</summary>
    /// <value><c>./data/persistent</c>, resolved against the working directory when the store is created.</value>
    public string RootPath { get; set; } = "./data/persistent";

    /// <summary>
    /// Whether appends are flushed to disk (file and directory fsync). Turning this off trades the crash guarantee
    /// for speed and is only meant for tests of other layers.
    /// </summary>
    /// <value><see langword="true"/>.</value>
    public bool Durable { get; set; } = true;
}
