using System.Globalization;
using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using StateVault.Hosting.Ownership;
using StateVault.S3;

namespace StateVault.Server.Ownership;

/// <summary>
/// Leases as objects <c>&lt;prefix&gt;/.statevault/leases/&lt;system&gt;.json</c> written with conditional PUTs: the first with
/// <c>If-None-Match: *</c>, every later one (renewal, take-over, release) with <c>If-Match</c> on the ETag just read, so of two
/// instances racing for one lease exactly one write lands. Used only when the server enforces both conditions (see
/// <see cref="CreateAsync"/>); the expiry is written in UTC by the holder's clock, so instances' clocks must agree to well within
/// the take-over delay plus one renewal interval.
/// </summary>
internal sealed class S3LeaseProvider : ISystemLeaseProvider, IAsyncDisposable
{
    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly string _root;
    private readonly TimeProvider _time;

    private S3LeaseProvider(IAmazonS3 client, S3SnapshotStoreOptions options, TimeProvider time)
    {
        _client = client;
        _bucket = options.BucketName;
        _root = options.Prefix.Length == 0 ? string.Empty : options.Prefix.TrimEnd('/') + "/";
        _time = time;
    }

    public string Kind => "s3-conditional-lease-object";

    /// <summary>
    /// Runs the store's conditional-write probe (a throwaway object created, then created again with <c>If-None-Match: *</c> and
    /// overwritten with <c>If-Match</c> on a wrong ETag: a server that honours both answers 412 twice) and returns the provider, or
    /// <see langword="null"/> with the reason when the server ignores the conditions (a lease object could then be won twice).
    /// </summary>
    public static async Task<(S3LeaseProvider? Provider, string? Refusal)> CreateAsync(S3SnapshotStoreOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var probeOptions = new S3SnapshotStoreOptions
        {
            BucketName = options.BucketName,
            Prefix = options.Prefix,
            ServiceUrl = options.ServiceUrl,
            Region = options.Region,
            ForcePathStyle = options.ForcePathStyle,
            Credentials = options.Credentials,
            RequestTimeout = options.RequestTimeout,
            MaxErrorRetry = options.MaxErrorRetry,
            ConditionalWrites = S3ConditionalWrites.Auto,
        };
        var store = new S3SnapshotStore(probeOptions, NullLogger.Instance);
        await using (store.ConfigureAwait(false))
        {
            if (!await store.ResolveConditionalWritesAsync(cancellationToken).ConfigureAwait(false))
            {
                return (null, $"the S3 server of bucket '{options.BucketName}' ignores conditional writes (a PUT with If-None-Match: * on an existing object, or If-Match on a wrong ETag, was accepted instead of answered 412), so a lease object could be won by two instances; multi-instance ownership is refused on it");
            }
        }

        return (new S3LeaseProvider(S3SnapshotStore.CreateClient(options), options, time), null);
    }

    public async Task<SystemLease?> TryAcquireAsync(string system, string ownerId, string? ownerUrl, TimeSpan duration, TimeSpan takeoverDelay, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var now = _time.GetUtcNow();
        var (current, etag) = await ReadAsync(system, cancellationToken).ConfigureAwait(false);
        if (current is not null && current.Lease.OwnerId != ownerId && current.ExpiresUtc + takeoverDelay >= now)
        {
            return null;
        }

        var mine = current is not null && current.Lease.OwnerId == ownerId;
        var lease = new SystemLease(system, ownerId, ownerUrl, mine ? current!.Lease.Token : (current?.Lease.Token ?? 0) + 1, mine ? current!.Lease.SinceUtc : now);
        return await WriteAsync(new Record(lease, now + duration), etag, cancellationToken).ConfigureAwait(false) ? lease : null;
    }

    public async Task<bool> RenewAsync(SystemLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = _time.GetUtcNow();
        var (current, etag) = await ReadAsync(lease.System, cancellationToken).ConfigureAwait(false);
        if (current is null || current.Lease.OwnerId != lease.OwnerId || current.Lease.Token != lease.Token)
        {
            return false;
        }

        return await WriteAsync(current with { ExpiresUtc = now + duration }, etag, cancellationToken).ConfigureAwait(false);
    }

    public async Task ReleaseAsync(SystemLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var (current, etag) = await ReadAsync(lease.System, cancellationToken).ConfigureAwait(false);
        if (current is not null && current.Lease.OwnerId == lease.OwnerId && current.Lease.Token == lease.Token)
        {
            // Expired long ago: the next instance takes over at once; the token stays, so the next holder's is higher.
            await WriteAsync(current with { ExpiresUtc = DateTimeOffset.UnixEpoch }, etag, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<SystemLease?> GetHolderAsync(string system, CancellationToken cancellationToken)
    {
        var (current, _) = await ReadAsync(system, cancellationToken).ConfigureAwait(false);
        return current is not null && current.ExpiresUtc >= _time.GetUtcNow() ? current.Lease : null;
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private string Key(string system) => $"{_root}.statevault/leases/{system}.json";

    // The lease object is replaced by other instances: a read that overlaps a write can get a torn body, read again.
    private Task<(Record? Record, string? ETag)> ReadAsync(string system, CancellationToken cancellationToken) =>
        S3SnapshotStore.ReadWholeBodyAsync(() => ReadOnceAsync(system, cancellationToken));

    private async Task<(Record? Record, string? ETag)> ReadOnceAsync(string system, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = Key(system) }, cancellationToken).ConfigureAwait(false);
            using var document = await JsonDocument.ParseAsync(response.ResponseStream, cancellationToken: cancellationToken).ConfigureAwait(false);
            var root = document.RootElement;
            var lease = new SystemLease(
                system,
                root.GetProperty("owner").GetString() ?? string.Empty,
                root.TryGetProperty("url", out var url) ? url.GetString() : null,
                root.GetProperty("token").GetInt64(),
                DateTimeOffset.Parse(root.GetProperty("since").GetString()!, CultureInfo.InvariantCulture));
            return (new Record(lease, DateTimeOffset.Parse(root.GetProperty("expires").GetString()!, CultureInfo.InvariantCulture)), response.ETag);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return (null, null);
        }
    }

    /// <summary>Creates the lease object (no <paramref name="etag"/>) or replaces exactly the version read; <see langword="false"/> when another write came first.</summary>
    private async Task<bool> WriteAsync(Record record, string? etag, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["owner"] = record.Lease.OwnerId,
            ["url"] = record.Lease.OwnerUrl,
            ["token"] = record.Lease.Token,
            ["since"] = record.Lease.SinceUtc.ToString("O", CultureInfo.InvariantCulture),
            ["expires"] = record.ExpiresUtc.ToString("O", CultureInfo.InvariantCulture),
        });
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = Key(record.Lease.System),
            InputStream = new MemoryStream(body),
            ContentType = "application/json",
            UseChunkEncoding = false,
        };
        if (etag is null)
        {
            request.IfNoneMatch = "*";
        }
        else
        {
            request.IfMatch = etag;
        }

        try
        {
            await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception ex) when (S3SnapshotStore.IsPreconditionFailure(ex))
        {
            return false;
        }
    }

    private sealed record Record(SystemLease Lease, DateTimeOffset ExpiresUtc);
}
