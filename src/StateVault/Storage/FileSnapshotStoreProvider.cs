using Microsoft.Extensions.Logging;

namespace StateVault.Storage;

/// <summary>Opens the embedded file store for <c>file:PATH</c> URIs (relative paths resolve against the working directory at open time).</summary>
public sealed class FileSnapshotStoreProvider : ISnapshotStoreProvider
{
    /// <summary>The scheme.</summary>
    public const string Scheme = "file";

    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = [Scheme];

    /// <summary>Creates a file store directly.</summary>
    public static ISnapshotStore Create(FileSnapshotStoreOptions options) => new FileSnapshotStore(options);

    /// <summary>Creates a file store on a root folder.</summary>
    public static ISnapshotStore Create(string rootPath) => new FileSnapshotStore(new FileSnapshotStoreOptions { RootPath = rootPath });

    /// <inheritdoc />
    public ISnapshotStore Open(string uri, ILoggerFactory loggerFactory, TimeProvider timeProvider) =>
        new FileSnapshotStore(new FileSnapshotStoreOptions { RootPath = ParsePath(uri) }, timeProvider);

    /// <summary>The folder of a <c>file:</c> URI: <c>file:./data</c>, <c>file:/abs/path</c>, <c>file:///abs/path</c>.</summary>
    public static string ParsePath(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        if (!uri.StartsWith(Scheme + ":", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Not a file store URI: '{uri}'. Use file:PATH.", nameof(uri));
        }

        var path = uri[(Scheme.Length + 1)..];
        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            path = Uri.UnescapeDataString(new Uri(uri).AbsolutePath);
        }

        if (path.Length == 0)
        {
            throw new ArgumentException("The file store URI has no path. Use file:PATH, e.g. file:./data/persistent.", nameof(uri));
        }

        return path;
    }
}
