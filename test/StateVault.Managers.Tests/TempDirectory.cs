namespace StateVault.Managers.Tests;

/// <summary>A temp folder removed at the end of a test; the store is a sub-folder, so files beside it stay outside it.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sv-managers-" + Guid.NewGuid().ToString("N"));

    public string Store => System.IO.Path.Combine(Path, "store");

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
