using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using StateVault.Hosting.Ownership;

namespace StateVault.Server.Ownership;

/// <summary>
/// Leases as OS file locks next to the data (file and SQLite stores): one lock file per system, held open exclusively while this
/// instance owns the system. The operating system releases it when the process dies, so a take-over needs no expiry. Beside each
/// lock file a small owner file names the holder, its URL and its fencing token (one more than the previous holder's).
/// </summary>
internal sealed class FileLockLeaseProvider(string directory, TimeProvider time) : ISystemLeaseProvider, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, FileStream> _locks = new(StringComparer.Ordinal);

    public string Kind => "os-file-lock";

    /// <summary>The OS holds the lock until it is closed or the process ends: it has no duration to outlive.</summary>
    public bool HeldUntilReleased => true;

    public Task<SystemLease?> TryAcquireAsync(string system, string ownerId, string? ownerUrl, TimeSpan duration, TimeSpan takeoverDelay, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        if (_locks.ContainsKey(system))
        {
            return Task.FromResult(ReadOwner(system));
        }

        Directory.CreateDirectory(directory);
        FileStream stream;
        try
        {
            // FileShare.None is an exclusive OS lock (flock on Unix): a second process, or a second open here, is refused.
            stream = new FileStream(LockPath(system), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException)
        {
            return Task.FromResult<SystemLease?>(null);
        }

        var previous = ReadOwner(system);
        var lease = new SystemLease(system, ownerId, ownerUrl, (previous?.Token ?? 0) + 1, time.GetUtcNow());
        WriteOwner(lease);
        _locks[system] = stream;
        return Task.FromResult<SystemLease?>(lease);
    }

    public Task<bool> RenewAsync(SystemLease lease, TimeSpan duration, CancellationToken cancellationToken) =>
        Task.FromResult(_locks.ContainsKey(lease.System));

    public Task ReleaseAsync(SystemLease lease, CancellationToken cancellationToken)
    {
        if (_locks.TryRemove(lease.System, out var stream))
        {
            stream.Dispose();
        }

        return Task.CompletedTask;
    }

    public Task<SystemLease?> GetHolderAsync(string system, CancellationToken cancellationToken)
    {
        if (_locks.ContainsKey(system))
        {
            return Task.FromResult(ReadOwner(system));
        }

        try
        {
            // Nobody holds the lock: the owner file is stale (its process ended).
            using var probe = new FileStream(LockPath(system), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            return Task.FromResult<SystemLease?>(null);
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult<SystemLease?>(null);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult<SystemLease?>(null);
        }
        catch (IOException)
        {
            return Task.FromResult(ReadOwner(system));
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var stream in _locks.Values)
        {
            stream.Dispose();
        }

        _locks.Clear();
        return ValueTask.CompletedTask;
    }

    private string LockPath(string system) => Path.Combine(directory, system + ".lock");

    private string OwnerPath(string system) => Path.Combine(directory, system + ".owner");

    private SystemLease? ReadOwner(string system)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(OwnerPath(system)));
            var root = document.RootElement;
            return new SystemLease(
                system,
                root.GetProperty("owner").GetString() ?? string.Empty,
                root.TryGetProperty("url", out var url) ? url.GetString() : null,
                root.GetProperty("token").GetInt64(),
                DateTimeOffset.Parse(root.GetProperty("since").GetString()!, CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException or FormatException or InvalidOperationException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void WriteOwner(SystemLease lease)
    {
        var temporary = Path.Combine(directory, "." + lease.System + ".owner." + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["owner"] = lease.OwnerId,
            ["url"] = lease.OwnerUrl,
            ["token"] = lease.Token,
            ["since"] = lease.SinceUtc.ToString("O", CultureInfo.InvariantCulture),
        }));
        File.Move(temporary, OwnerPath(lease.System), overwrite: true);
    }
}
