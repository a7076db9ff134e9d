using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using StateVault.Storage;

namespace StateVault.S3;

/// <summary>
/// Chunks as objects under <c>&lt;prefix&gt;/&lt;system&gt;/.chunks/&lt;id&gt;</c>, the framed bytes as the body.
/// </summary>
/// <remarks>
/// <para>
/// Stored time: the object's <c>LastModified</c> (the server's clock), which S3 reports to the second and truncates. A
/// put at 12:00:00.900 shows 12:00:00, which could fall before a collection cut-off of 12:00:00.500 taken before the
/// put. So the store reports the END of that second (<c>LastModified</c> truncated, plus one second): the latest time
/// the put can have happened. Reads and listings report the same value, a put again never shows an earlier time than
/// the put before it (the server's clock permitting), and a chunk put at or after a cut-off is never older than it.
/// </para>
/// <para>
/// Conditional delete: S3 has no "delete if older than". The store reads the chunk's <c>LastModified</c> and ETag
/// (HEAD), then deletes; with conditional writes in force the DELETE carries <c>If-Match</c> on that ETag, so a put of
/// different content in between (a damaged copy healed) survives. Within this process, a put and a delete of the same
/// chunk are serialized by a lock every store instance shares, so a put can never land between the HEAD and the
/// DELETE of a delete in this process. What remains: a put of the SAME content by ANOTHER process between the two
/// requests. S3's ETag of a single-part upload is the MD5 of the content, so it matches and the DELETE removes the
/// chunk just put. The window is one round trip, and the engine's rules narrow who can be in it: a chunk is only a
/// candidate when no listed snapshot references it and it was stored longer ago than the grace period, and only a
/// save that needs that long-unreferenced content again re-puts it. If that save loses the race, its snapshot fails its
/// chunk check on load and falls back to an earlier one (nothing is read wrongly), and the next save puts the chunk
/// again because it is missing from the listing. In single-writer mode (<see cref="S3ConditionalWrites.Disabled"/>)
/// only one process writes a prefix, so the lock closes the window entirely.
/// </para>
/// </remarks>
internal sealed partial class S3SnapshotStore
{
    private const int ChunkLockStripes = 64;

    // One set of stripes for the whole process (like the single-writer append locks), keyed by endpoint, bucket, prefix,
    // system and chunk id: two store instances in one process serialize a put and a delete of the same chunk too.
    private static readonly SemaphoreSlim[] s_chunkLocks = [.. Enumerable.Range(0, ChunkLockStripes).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task PutChunkAsync(string system, string chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var key = _keys.Chunk(system, chunkId);
        // Overwrites on purpose (heals a damaged copy, moves the stored time forward). The body is sent before this
        // method returns, so the caller's buffer need not be copied.
        await WithChunkLockAsync(key, () => PutAsync(key, new EnvelopeBytes(ReadOnlyMemory<byte>.Empty, data), ifNoneMatch: false, ifMatch: null, writerToken: null, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredChunk?> ReadChunkAsync(string system, string chunkId, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var key = _keys.Chunk(system, chunkId);
        try
        {
            return await ReadWholeBodyAsync(async () =>
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
                using var buffer = new MemoryStream(response.ContentLength is > 0 and <= int.MaxValue ? (int)response.ContentLength : 0);
                await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return new StoredChunk(buffer.ToArray(), StoredTime(response.LastModified, key));
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

    public async IAsyncEnumerable<StoredChunkRef> ListChunksAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        // Marker paging (ListObjects v1) like every other listing of this store: see ListPagesAsync for why not v2.
        await foreach (var page in ListPagesAsync(_keys.ChunkPrefix(system), delimiter: null, ListPageSize, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.S3Objects ?? [])
            {
                if (_keys.TryParseChunk(system, item.Key, out var id))
                {
                    yield return new StoredChunkRef(id, item.Size ?? 0, StoredTime(item.LastModified, item.Key));
                }
            }
        }
    }

    public async Task<bool> DeleteChunkAsync(string system, string chunkId, DateTimeOffset storedBefore, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var key = _keys.Chunk(system, chunkId);
        var mode = await ResolveModeAsync(cancellationToken).ConfigureAwait(false);
        return await WithChunkLockAsync(key, async () =>
        {
            var head = await HeadAsync(key, cancellationToken).ConfigureAwait(false);
            if (head is null || StoredTime(head.LastModified, key) >= storedBefore)
            {
                return false;
            }

            var request = new DeleteObjectRequest { BucketName = _bucket, Key = key };
            if (mode == 1 && !string.IsNullOrEmpty(head.ETag))
            {
                // Only the version read may go: a put of different content since then has another ETag and stays.
                request.IfMatch = head.ETag;
            }

            try
            {
                await _client.DeleteObjectAsync(request, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception ex) when (request.IfMatch is not null && IsPreconditionFailure(ex))
            {
                return false;
            }
            catch (AmazonS3Exception ex) when (request.IfMatch is not null && ex.StatusCode == HttpStatusCode.NotImplemented)
            {
                // A server that enforces conditional PUTs but not conditional DELETEs: the in-process lock still holds.
                Log.ConditionalDeleteUnsupported(_logger, _bucket);
                request.IfMatch = null;
                await CallAsync("DeleteObject", ct => _client.DeleteObjectAsync(request, ct), cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (Exception ex) when (Translate("DeleteObject", ex, cancellationToken) is { } translated)
            {
                throw translated;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The stored time the store reports for an object: <c>LastModified</c> truncated to the second (listings and HEAD
    /// differ in precision on some servers) plus one second, the latest time the put can have happened.
    /// </summary>
    internal static DateTimeOffset StoredTime(DateTime? lastModified, string key)
    {
        if (lastModified is not { } value)
        {
            throw new SnapshotStoreException($"The S3 server reported no LastModified for '{key}'; a chunk's stored time is needed to collect it safely.", isTransient: false);
        }

        var utc = value.Kind switch
        {
            DateTimeKind.Local => value.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
            _ => value,
        };
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(1);
    }

    private async Task<T> WithChunkLockAsync<T>(string key, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        var stripe = s_chunkLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(_lockScope + key) % ChunkLockStripes)];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            stripe.Release();
        }
    }
}
