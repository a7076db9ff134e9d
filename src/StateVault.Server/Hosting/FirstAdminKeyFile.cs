using StateVault.Storage;

namespace StateVault.Server.Hosting;

/// <summary>
/// The file the first admin key is written to: <see cref="StateVaultServerOptions.FirstAdminKeyFile"/>, or on a <c>file:</c>
/// store <c>.statevault-admin-key</c> in the parent folder of the store's root (beside the data, never inside it: a copy of
/// the store does not carry the key). Written once, readable by the owner only.
/// </summary>
internal static class FirstAdminKeyFile
{
    /// <summary>The default file name beside a <c>file:</c> store's root.</summary>
    public const string DefaultFileName = ".statevault-admin-key";

    /// <summary>Where the key goes; <see langword="null"/> on a store without a local folder when no file is configured.</summary>
    public static string? PathFor(string storeUri, string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        if (SnapshotStoreFactory.GetScheme(storeUri) != FileSnapshotStoreProvider.Scheme)
        {
            return null;
        }

        var root = Path.GetFullPath(FileSnapshotStoreProvider.ParsePath(storeUri)).TrimEnd(Path.DirectorySeparatorChar);
        return Path.Combine(Path.GetDirectoryName(root) ?? root, DefaultFileName);
    }

    /// <summary>
    /// Writes <paramref name="key"/> to <paramref name="path"/> with owner-only permissions (0600 on Unix): to a temporary file
    /// created with those permissions, then renamed over the path, so no reader ever sees a partial or world-readable file.
    /// </summary>
    public static async Task WriteAsync(string path, string key, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            var stream = new FileStream(temporary, options);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(key + "\n"), cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
