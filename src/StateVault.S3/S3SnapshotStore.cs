using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using StateVault.Storage;

namespace StateVault.S3;

/// <summary>
/// Snapshots as objects on S3-compatible storage: <c>&lt;prefix&gt;/&lt;system&gt;/&lt;system&gt;-&lt;sequence, 19 digits&gt;.svsnap</c>,
/// the envelope bytes as the body, so keys list in sequence order and snapshots move between stores unchanged.
/// </summary>
/// <remarks>
/// <para>
/// Sequence allocation: list the system's keys, then read <c>.highwater</c> (in that order: a deleter raises the
/// high-water mark before it deletes, so this order never misses a deleted newest snapshot); the next sequence is
/// one above the larger. The object is then created:
/// </para>
/// <list type="bullet">
/// <item>with conditional writes (<see cref="S3ConditionalWrites"/>): <c>PUT If-None-Match: *</c>. The server lets exactly
/// one writer create a key; a loser gets 412, lists again and takes the next number (or, for a compare-and-set append,
/// reports the conflict). The high-water mark is raised with <c>If-Match</c> on its ETag, so two deleters cannot
/// lower it. Any number of processes and hosts may write.</item>
/// <item>without (servers that ignore the headers, e.g. s3rver): appends are serialized by a lock that every store
/// instance of this process shares for the same endpoint, bucket, prefix and system, and each write is checked
/// afterwards (<c>HEAD</c>, comparing a per-write token in the object metadata): an overwrite by another process that
/// lands before the check is detected and the append moves on. One that lands after the check is not, so only one
/// process may write a given prefix; <see cref="Capabilities"/> says so.</item>
/// </list>
/// <para>
/// Atomicity and durability are the server's: S3 makes a completed PUT visible whole and durable. (s3rver writes
/// the file in place, so a reader racing a writer can see a partial object there; the envelope checksum catches it.)
/// </para>
/// </remarks>
internal sealed partial class S3SnapshotStore : ISnapshotStoreWithChunks
{
    private const int MaxAllocationAttempts = 64;

    /// <summary>How many times a GET whose body fails its checksum is made in all (see <see cref="ReadWholeBodyAsync"/>).</summary>
    internal const int MaxBodyReadAttempts = 3;
    private const string WriterTokenKey = "sv-writer";

    // Single-writer mode: one lock per endpoint/bucket/prefix/system for the whole process, so two store instances in
    // one process (a CLI verb and a hosted vault, say) are as safe as one.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> s_processLocks = new(StringComparer.Ordinal);

    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;
    private readonly S3SnapshotStoreOptions _options;
    private readonly string _bucket;
    private readonly S3Keys _keys;
    private readonly string _lockScope;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _instanceLocks = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _probeLock = new(1, 1);
    private int _mode; // 0 unknown, 1 conditional, 2 single writer

    public S3SnapshotStore(S3SnapshotStoreOptions options, ILogger logger, IAmazonS3? client = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        S3SnapshotStoreOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _bucket = options.BucketName;
        _keys = new S3Keys(options.NormalizedPrefix);
        _logger = logger;
        _lockScope = $"{options.ServiceUrl?.GetLeftPart(UriPartial.Authority) ?? options.Region}|{_bucket}|{_keys.Root}|";
        _ownsClient = client is null;
        _client = client ?? CreateClient(options);
        _mode = options.ConditionalWrites switch
        {
            S3ConditionalWrites.Disabled => 2,
            _ => 0,
        };
    }

    public string Kind => "s3";

    /// <summary>Keys per listing page; <see langword="null"/> for the server's default (1000). Tests set it small to exercise paging.</summary>
    internal int? ListPageSize { get; set; }

    /// <summary>
    /// <see cref="SnapshotStoreCapabilities.SupportsMultipleProcesses"/> is true only when conditional writes are in force:
    /// with <see cref="S3ConditionalWrites.Required"/>, or with <see cref="S3ConditionalWrites.Auto"/> once the probe (run by
    /// the first write or by <see cref="ResolveConditionalWritesAsync"/>) found the server enforces them.
    /// </summary>
    public SnapshotStoreCapabilities Capabilities => new(
        SupportsMultipleProcesses: _options.ConditionalWrites == S3ConditionalWrites.Required || Volatile.Read(ref _mode) == 1,
        SupportsQuarantine: true,
        SupportsLargePayloads: true);

    internal static AmazonS3Client CreateClient(S3SnapshotStoreOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.EffectiveForcePathStyle,
            Timeout = options.RequestTimeout,
            MaxErrorRetry = options.MaxErrorRetry,
            RetryMode = RequestRetryMode.Standard,
            // The envelope carries its own SHA-256 checks; S3-compatible servers differ in which flexible checksums they
            // accept, so only send one where the operation requires it.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.ServiceUrl is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        return options.Credentials is { } credentials ? new AmazonS3Client(credentials, config) : new AmazonS3Client(config);
    }

    /// <summary>Probes the server now (once) and returns whether conditional writes are in force.</summary>
    public async Task<bool> ResolveConditionalWritesAsync(CancellationToken cancellationToken) =>
        await ResolveModeAsync(cancellationToken).ConfigureAwait(false) == 1;

    public async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ArgumentNullException.ThrowIfNull(createEnvelope);
        var mode = await ResolveModeAsync(cancellationToken).ConfigureAwait(false);
        return await WithSystemLockAsync(system, mode, async () =>
        {
            for (var attempt = 1; attempt <= MaxAllocationAttempts; attempt++)
            {
                var latest = await LatestSequenceAsync(system, cancellationToken).ConfigureAwait(false);
                if (expectedLatestSequence is { } expected && expected != latest)
                {
                    throw new SnapshotConcurrencyException(system, expected, latest);
                }

                var sequence = latest + 1;
                var envelope = createEnvelope(sequence);
                var key = _keys.Snapshot(system, sequence);
                var token = Guid.NewGuid().ToString("N");
                if (mode == 1)
                {
                    // A 412 can also answer the SDK's own retry of a PUT that landed with its reply lost: then the object
                    // is ours (same writer token), not another writer's, and moving to the next number would store it twice.
                    if (await PutAsync(key, envelope, ifNoneMatch: true, ifMatch: null, token, cancellationToken).ConfigureAwait(false)
                        || await IsOwnWriteAsync(key, token, cancellationToken).ConfigureAwait(false))
                    {
                        return sequence;
                    }

                    Log.SequenceTaken(_logger, system, sequence);
                }
                else
                {
                    await PutAsync(key, envelope, ifNoneMatch: false, ifMatch: null, token, cancellationToken).ConfigureAwait(false);
                    if (await IsOwnWriteAsync(key, token, cancellationToken).ConfigureAwait(false))
                    {
                        return sequence;
                    }

                    Log.OverwriteDetected(_logger, system, sequence);
                }

                if (expectedLatestSequence is { } stale)
                {
                    throw new SnapshotConcurrencyException(system, stale, await LatestSequenceAsync(system, cancellationToken).ConfigureAwait(false));
                }
            }

            throw new SnapshotStoreException($"Could not allocate a sequence for '{system}' after {MaxAllocationAttempts} attempts: other writers kept taking them.", isTransient: true);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        // The whole range, as every store: a number past SnapshotSequence.MaxValue would leave the system unable to append.
        SnapshotSequence.Validate(sequence);
        var mode = await ResolveModeAsync(cancellationToken).ConfigureAwait(false);
        return await WithSystemLockAsync(system, mode, async () =>
        {
            if (await HeadAsync(_keys.Quarantine(system, sequence), cancellationToken).ConfigureAwait(false) is not null)
            {
                return false;
            }

            var key = _keys.Snapshot(system, sequence);
            if (mode == 1)
            {
                return await PutAsync(key, envelope, ifNoneMatch: true, ifMatch: null, writerToken: null, cancellationToken).ConfigureAwait(false);
            }

            if (await HeadAsync(key, cancellationToken).ConfigureAwait(false) is not null)
            {
                return false;
            }

            var token = Guid.NewGuid().ToString("N");
            await PutAsync(key, envelope, ifNoneMatch: false, ifMatch: null, token, cancellationToken).ConfigureAwait(false);
            // Another writer's object at this key wins; ours is then simply not the one stored.
            return await IsOwnWriteAsync(key, token, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        try
        {
            return await GetBytesAsync(_keys.Snapshot(system, sequence), cancellationToken).ConfigureAwait(false);
        }
        catch (SnapshotStoreException ex) when (ex.InnerException is { } inner && IsBodyChecksumMismatch(inner))
        {
            // A snapshot object is never replaced, so a body that fails its checksum on every read is damage at rest:
            // reported as such, the engine falls back to the previous snapshot (and quarantines this one) instead of failing.
            throw new SnapshotCorruptedException(system, sequence, string.Create(CultureInfo.InvariantCulture, $"the object's body did not match the checksum the server sent with it, on {MaxBodyReadAttempts} reads"), ex);
        }
    }

    public async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var refs = await ListSnapshotsAsync(system, cancellationToken).ConfigureAwait(false);
        foreach (var item in refs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }
    }

    public Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        return LatestSequenceAsync(system, cancellationToken);
    }

    public async Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var mode = await ResolveModeAsync(cancellationToken).ConfigureAwait(false);
        return await WithSystemLockAsync(system, mode, async () =>
        {
            var key = _keys.Snapshot(system, sequence);
            if (!await ReserveBeforeRemovalAsync(system, sequence, mode, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            await CallAsync("DeleteObject", ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key }, ct), cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var mode = await ResolveModeAsync(cancellationToken).ConfigureAwait(false);
        return await WithSystemLockAsync(system, mode, async () =>
        {
            var key = _keys.Snapshot(system, sequence);
            if (!await ReserveBeforeRemovalAsync(system, sequence, mode, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            var target = _keys.Quarantine(system, sequence);
            if (await HeadAsync(target, cancellationToken).ConfigureAwait(false) is not null)
            {
                target = $"{target}.{Guid.NewGuid():N}";
            }

            // Copy, then delete: a failure between the two leaves the snapshot in both places, never in neither.
            // A GET and PUT rather than CopyObject: S3-compatible servers disagree on how x-amz-copy-source is encoded
            // (s3rver rejects the AWS SDK v4 form), and quarantine is rare and small enough to move through the client.
            var bytes = await GetBytesAsync(key, cancellationToken).ConfigureAwait(false);
            if (bytes is null)
            {
                return false;
            }

            await PutAsync(target, EnvelopeBytes.FromArray(bytes), ifNoneMatch: false, ifMatch: null, writerToken: null, cancellationToken).ConfigureAwait(false);
            var reasonBytes = Encoding.UTF8.GetBytes(reason ?? string.Empty);
            await PutAsync(target + ".reason", new EnvelopeBytes(ReadOnlyMemory<byte>.Empty, reasonBytes), ifNoneMatch: false, ifMatch: null, writerToken: null, cancellationToken).ConfigureAwait(false);
            await CallAsync("DeleteObject", ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key }, ct), cancellationToken).ConfigureAwait(false);
            Log.Quarantined(_logger, system, sequence, target);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<string> ListSystemsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folders = new List<string>();
        await foreach (var page in ListPagesAsync(_keys.Root, "/", ListPageSize, cancellationToken).ConfigureAwait(false))
        {
            folders.AddRange(page.CommonPrefixes ?? []);
        }

        var names = folders
            .Select(folder => folder[_keys.Root.Length..].TrimEnd('/'))
            .Where(SystemName.IsValid)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var name in names)
        {
            if (await HasSnapshotStateAsync(name, cancellationToken).ConfigureAwait(false))
            {
                yield return name;
            }
        }
    }

    /// <summary>
    /// Whether a system folder holds anything but chunks. A folder is only a key prefix: it exists while any object
    /// (snapshot, quarantined copy, high-water mark, chunk) does, and a system that holds only chunks has no snapshot and
    /// no allocated sequence. Listed one level deep, so the chunk folder counts as one entry however many chunks it holds
    /// (and the first page nearly always answers).
    /// </summary>
    internal async Task<bool> HasSnapshotStateAsync(string system, CancellationToken cancellationToken)
    {
        var folder = _keys.SystemFolder(system);
        var chunks = _keys.ChunkPrefix(system);
        await foreach (var page in ListPagesAsync(folder, "/", maxKeys: null, cancellationToken).ConfigureAwait(false))
        {
            if ((page.S3Objects ?? []).Count > 0 || (page.CommonPrefixes ?? []).Any(p => !string.Equals(p, chunks, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var semaphore in _instanceLocks.Values)
        {
            semaphore.Dispose();
        }

        _probeLock.Dispose();
        if (_ownsClient)
        {
            _client.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private async Task<int> ResolveModeAsync(CancellationToken cancellationToken)
    {
        var mode = Volatile.Read(ref _mode);
        if (mode != 0)
        {
            return mode;
        }

        await _probeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_mode != 0)
            {
                return _mode;
            }

            var enforced = await ProbeConditionalWritesAsync(cancellationToken).ConfigureAwait(false);
            if (!enforced && _options.ConditionalWrites == S3ConditionalWrites.Required)
            {
                throw new SnapshotStoreException(
                    $"The S3 server of bucket '{_bucket}' ignores conditional writes (If-None-Match / If-Match on PUT), so concurrent writers could take the same sequence. "
                    + "Use a server that enforces them, or set ConditionalWrites to Disabled (URI: conditional=off) and write from one process only.",
                    isTransient: false);
            }

            Log.ProbeResult(_logger, _bucket, enforced, enforced ? "many processes" : "one process");
            Volatile.Write(ref _mode, enforced ? 1 : 2);
            return _mode;
        }
        finally
        {
            _probeLock.Release();
        }
    }

    /// <summary>
    /// Creates a throwaway object, then tries to create it again with <c>If-None-Match: *</c> and to overwrite it with
    /// <c>If-Match</c> on a wrong ETag: a server that enforces both rejects both with 412.
    /// </summary>
    private async Task<bool> ProbeConditionalWritesAsync(CancellationToken cancellationToken)
    {
        var key = _keys.Probe();
        var body = new EnvelopeBytes(ReadOnlyMemory<byte>.Empty, "probe"u8.ToArray());
        try
        {
            if (!await TryProbePutAsync(key, body, ifNoneMatch: true, ifMatch: null, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            var noneMatchEnforced = !await TryProbePutAsync(key, body, ifNoneMatch: true, ifMatch: null, cancellationToken).ConfigureAwait(false);
            var matchEnforced = !await TryProbePutAsync(key, body, ifNoneMatch: false, ifMatch: "\"00000000000000000000000000000000\"", cancellationToken).ConfigureAwait(false);
            return noneMatchEnforced && matchEnforced;
        }
        finally
        {
            await CallAsync("DeleteObject", ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key }, ct), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> TryProbePutAsync(string key, EnvelopeBytes body, bool ifNoneMatch, string? ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            return await PutAsync(key, body, ifNoneMatch, ifMatch, writerToken: null, cancellationToken).ConfigureAwait(false);
        }
        catch (SnapshotStoreException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotImplemented or HttpStatusCode.BadRequest })
        {
            // A server that rejects the header outright does not offer the condition: a precondition failure it is not.
            return true;
        }
    }

    /// <summary>
    /// Before the newest snapshot disappears, record its number as the high-water mark so it is never allocated again.
    /// Returns <see langword="false"/> when the snapshot does not exist.
    /// </summary>
    private async Task<bool> ReserveBeforeRemovalAsync(string system, long sequence, int mode, CancellationToken cancellationToken)
    {
        var refs = await ListSnapshotsAsync(system, cancellationToken).ConfigureAwait(false);
        if (!refs.Any(r => r.Sequence == sequence))
        {
            return false;
        }

        if (refs[^1].Sequence == sequence)
        {
            await RaiseHighWaterAsync(system, sequence, mode, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private async Task RaiseHighWaterAsync(string system, long sequence, int mode, CancellationToken cancellationToken)
    {
        var key = _keys.HighWater(system);
        for (var attempt = 1; attempt <= MaxAllocationAttempts; attempt++)
        {
            var (current, etag) = await ReadHighWaterAsync(system, cancellationToken).ConfigureAwait(false);
            if (current >= sequence)
            {
                return;
            }

            var body = new EnvelopeBytes(ReadOnlyMemory<byte>.Empty, Encoding.ASCII.GetBytes(sequence.ToString(CultureInfo.InvariantCulture)));
            // Conditional mode: replace exactly the version read, so a concurrent raise to a higher value is never undone.
            var written = mode == 1
                ? await PutAsync(key, body, ifNoneMatch: etag is null, ifMatch: etag, writerToken: null, cancellationToken).ConfigureAwait(false)
                : await PutAsync(key, body, ifNoneMatch: false, ifMatch: null, writerToken: null, cancellationToken).ConfigureAwait(false);
            if (written)
            {
                return;
            }
        }

        throw new SnapshotStoreException($"Could not update the high-water mark of '{system}': it kept changing.", isTransient: true);
    }

    private async Task<(long Value, string? ETag)> ReadHighWaterAsync(string system, CancellationToken cancellationToken)
    {
        var key = _keys.HighWater(system);
        try
        {
            var (text, etag) = await ReadWholeBodyAsync(async () =>
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
                using var reader = new StreamReader(response.ResponseStream, Encoding.ASCII);
                return (await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false), response.ETag);
            }).ConfigureAwait(false);
            return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? (value, etag)
                : throw new SnapshotStoreException($"The high-water mark of '{system}' is damaged; refusing to allocate sequences that might be reused.", isTransient: false);
        }
        catch (AmazonS3Exception ex) when (IsNotFound(ex))
        {
            return (0, null);
        }
        catch (Exception ex) when (Translate("GetObject", ex, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    private async Task<long> LatestSequenceAsync(string system, CancellationToken cancellationToken)
    {
        // Order matters: list first, then read the mark. A deleter raises the mark before deleting, so whichever of the
        // two a concurrent delete lands between, one of them still shows the number.
        var refs = await ListSnapshotsAsync(system, cancellationToken).ConfigureAwait(false);
        var (mark, _) = await ReadHighWaterAsync(system, cancellationToken).ConfigureAwait(false);
        return Math.Max(refs.Count > 0 ? refs[^1].Sequence : 0, mark);
    }

    private async Task<List<StoredSnapshotRef>> ListSnapshotsAsync(string system, CancellationToken cancellationToken)
    {
        var refs = new List<StoredSnapshotRef>();
        await foreach (var page in ListPagesAsync(_keys.SnapshotPrefix(system), delimiter: null, ListPageSize, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.S3Objects ?? [])
            {
                if (_keys.TryParseSnapshot(system, item.Key, out var sequence))
                {
                    refs.Add(new StoredSnapshotRef(sequence, item.Size ?? 0));
                }
            }
        }

        refs.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return refs;
    }

    /// <summary>
    /// Lists keys page by page with the original ListObjects API (marker paging). Version 2's continuation tokens are
    /// avoided on purpose: s3rver cannot create them under OpenSSL 3 (HTTP 500 on any truncated listing), and every
    /// S3-compatible server implements version 1.
    /// </summary>
    private async IAsyncEnumerable<ListObjectsResponse> ListPagesAsync(string prefix, string? delimiter, int? maxKeys, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? marker = null;
        while (true)
        {
            var request = new ListObjectsRequest { BucketName = _bucket, Prefix = prefix, Delimiter = delimiter, Marker = marker };
            if (maxKeys is { } max)
            {
                request.MaxKeys = max;
            }

            var page = await CallAsync("ListObjects", ct => _client.ListObjectsAsync(request, ct), cancellationToken).ConfigureAwait(false);
            yield return page;
            if (page.IsTruncated != true)
            {
                yield break;
            }

            // NextMarker is only sent with a delimiter; otherwise the last key is the marker.
            var next = page.NextMarker;
            if (string.IsNullOrEmpty(next))
            {
                next = new[] { page.S3Objects?.LastOrDefault()?.Key, page.CommonPrefixes?.LastOrDefault() }
                    .Where(k => k is not null)
                    .Max(StringComparer.Ordinal);
            }

            if (string.IsNullOrEmpty(next) || string.CompareOrdinal(next, marker) <= 0)
            {
                throw new SnapshotStoreException($"S3 ListObjects on bucket '{_bucket}' reported more keys but no way to reach them.", isTransient: false);
            }

            marker = next;
        }
    }

    private async Task<bool> IsOwnWriteAsync(string key, string token, CancellationToken cancellationToken)
    {
        var head = await HeadAsync(key, cancellationToken).ConfigureAwait(false);
        return head is not null && string.Equals(head.Metadata[WriterTokenKey], token, StringComparison.Ordinal);
    }

    /// <summary>PUTs a body. Returns <see langword="false"/> when a condition failed (412, or 409 for a conflicting conditional write).</summary>
    private async Task<bool> PutAsync(string key, EnvelopeBytes body, bool ifNoneMatch, string? ifMatch, string? writerToken, CancellationToken cancellationToken)
    {
        var stream = new SegmentedReadStream(body.Head, body.Payload);
        await using (stream.ConfigureAwait(false))
        {
            var request = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = key,
                InputStream = stream,
                AutoCloseStream = false,
                ContentType = "application/octet-stream",
                // AWSSDK v4 sends aws-chunked bodies by default; servers that do not decode that framing (s3rver) would
                // store it as data, and the snapshot would fail its checksum.
                UseChunkEncoding = false,
            };
            if (ifNoneMatch)
            {
                request.IfNoneMatch = "*";
            }

            if (ifMatch is not null)
            {
                request.IfMatch = ifMatch;
            }

            if (writerToken is not null)
            {
                request.Metadata.Add(WriterTokenKey, writerToken);
            }

            try
            {
                await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception ex) when ((ifNoneMatch || ifMatch is not null) && IsPreconditionFailure(ex))
            {
                return false;
            }
            catch (Exception ex) when (Translate("PutObject", ex, cancellationToken) is { } translated)
            {
                throw translated;
            }
        }
    }

    private async Task<byte[]?> GetBytesAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadWholeBodyAsync(async () =>
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
                var length = response.ContentLength;
                if (length >= 0 && length <= Array.MaxLength)
                {
                    var bytes = new byte[length];
                    await response.ResponseStream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
                    return bytes;
                }

                using var buffer = new MemoryStream();
                await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return buffer.ToArray();
            }).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (IsNotFound(ex))
        {
            return null;
        }
        catch (Exception ex) when (Translate("GetObject", ex, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    private async Task<GetObjectMetadataResponse?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (IsNotFound(ex))
        {
            return null;
        }
        catch (Exception ex) when (Translate("HeadObject", ex, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    private async Task<T> CallAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(operation, ex, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    private async Task<T> WithSystemLockAsync<T>(string system, int mode, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        var semaphore = mode == 1
            ? _instanceLocks.GetOrAdd(system, _ => new SemaphoreSlim(1, 1))
            : s_processLocks.GetOrAdd(_lockScope + system, _ => new SemaphoreSlim(1, 1));
        await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            semaphore.Release();
        }
    }

    private static bool IsNotFound(AmazonS3Exception ex) =>
        ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is not "NoSuchBucket";

    internal static bool IsPreconditionFailure(AmazonS3Exception ex) =>
        ex.StatusCode == HttpStatusCode.PreconditionFailed
        || (ex.StatusCode == HttpStatusCode.Conflict && ex.ErrorCode == "ConditionalRequestConflict");

    /// <summary>
    /// Maps a client exception to a <see cref="SnapshotStoreException"/>: server errors, throttling, timeouts and network
    /// failures are transient; refused requests (access, missing bucket) are not. Returns <see langword="null"/> for the
    /// caller's own cancellation and for exceptions that are already store exceptions. Messages name the operation,
    /// bucket and error code, never a credential.
    /// </summary>
    private SnapshotStoreException? Translate(string operation, Exception ex, CancellationToken cancellationToken)
    {
        if (ex is StateVaultException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return null;
        }

        var (transient, reason) = ex switch
        {
            AmazonS3Exception { ErrorCode: "NoSuchBucket" } => (false, $"the bucket does not exist (create it first)"),
            AmazonServiceException service when IsNetworkFailure(service.InnerException) => (true, Describe(service.InnerException!)),
            AmazonServiceException service => (IsTransientStatus(service.StatusCode) || service.ErrorCode is "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable" or "RequestTimeTooSkewed",
                $"{(string.IsNullOrEmpty(service.ErrorCode) ? "error" : service.ErrorCode)} (HTTP {(int)service.StatusCode}){(string.IsNullOrEmpty(service.Message) ? string.Empty : ": " + service.Message)}"),
            _ when IsNetworkFailure(ex) => (true, Describe(ex)),
            AmazonClientException client when IsNetworkFailure(client.InnerException) => (true, Describe(client.InnerException!)),
            AmazonClientException client => (false, client.Message),
            _ => (false, ex.GetType().Name + ": " + ex.Message),
        };
        Log.RequestFailed(_logger, operation, transient, reason);
        return new SnapshotStoreException($"S3 {operation} on bucket '{_bucket}' failed: {reason}", transient, ex);
    }

    /// <summary>
    /// Whether <paramref name="ex"/> is the SDK refusing a response body that does not match the checksum in its headers.
    /// A server that replaces objects in place (s3rver) serves a mix of the old and new body to a GET that overlaps a PUT;
    /// a later read sees one whole version.
    /// </summary>
    internal static bool IsBodyChecksumMismatch(Exception ex) =>
        ex.GetType() == typeof(AmazonClientException) && ex.Message.Contains("calculated hash", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Runs <paramref name="read"/> (a GET and the read of its whole body) again, up to <see cref="MaxBodyReadAttempts"/>
    /// times in all, while the body fails its checksum (see <see cref="IsBodyChecksumMismatch"/>); the last failure is thrown.
    /// </summary>
    internal static async Task<T> ReadWholeBodyAsync<T>(Func<Task<T>> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read().ConfigureAwait(false);
            }
            catch (AmazonClientException ex) when (attempt < MaxBodyReadAttempts && IsBodyChecksumMismatch(ex))
            {
                // Read again: the object was being replaced while it was read.
            }
        }
    }

    private static bool IsTransientStatus(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

    private static bool IsNetworkFailure(Exception? ex) => ex switch
    {
        null => false,
        HttpRequestException or SocketException or IOException or TimeoutException or OperationCanceledException => true,
        _ => IsNetworkFailure(ex.InnerException),
    };

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException or TimeoutException => "the request timed out",
        HttpRequestException { InnerException: SocketException socket } => $"connection failed ({socket.SocketErrorCode})",
        SocketException socket => $"connection failed ({socket.SocketErrorCode})",
        _ => $"network failure ({ex.GetType().Name}: {ex.Message})",
    };
}
