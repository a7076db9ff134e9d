namespace StateVault.Hosting.Tests;

/// <summary>A temp folder removed at the end of a test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sv-hosting-" + Guid.NewGuid().ToString("N"));

    public string Store => System.IO.Path.Combine(Path, "store");

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
