namespace StateVault.TestKit;

/// <summary>A temp folder removed at the end of a test; <see cref="Store"/> is a sub-folder, so files kept beside a store stay outside it.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>The folder.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sv-test-" + Guid.NewGuid().ToString("N"));

    /// <summary>A store root inside the folder.</summary>
    public string Store => System.IO.Path.Combine(Path, "store");

    /// <inheritdoc />
    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
