namespace StateVault.Tests.Support;

/// <summary>A fresh folder under the temp path, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder(string prefix = "sv-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>
    /// Every file under the folder, relative paths, ordinal order; without deleted snapshots whose unlink is still
    /// pending in the background (<c>.trash-*</c>), which come and go on their own.
    /// </summary>
    public IReadOnlyList<string> Files() =>
        Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories)
            .Where(f => !System.IO.Path.GetFileName(f).StartsWith(".trash-", StringComparison.Ordinal))
            .Select(f => System.IO.Path.GetRelativePath(Path, f))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The concatenated bytes of every file under the folder (to grep for values that must not be stored).</summary>
    public string AllContent() =>
        string.Concat(Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories).Select(f => System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(f))));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }
}
