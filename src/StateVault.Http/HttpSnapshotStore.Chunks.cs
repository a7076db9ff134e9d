using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using StateVault.Storage;

namespace StateVault.Http;

/// <summary>
/// Chunks through the server's raw chunk routes (<c>/api/systems/{system}/chunks</c>). The server's store does the
/// atomic, durable work and keeps the stored time; a server whose store keeps no chunks answers 501, which becomes
/// <see cref="NotSupportedException"/> here. Failures map to <see cref="SnapshotStoreException"/> as for envelopes
/// (server errors and timeouts transient, refusals not).
/// </summary>
internal sealed partial class HttpSnapshotStore : ISnapshotStoreWithChunks
{
    public async Task PutChunkAsync(string system, string chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var path = ChunkPath(system, chunkId);
        // The body is sent before this method returns, so the caller's buffer is not copied.
        using var content = new ReadOnlyMemoryContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue(EnvelopeWire.MediaType);
        using var response = await SendAsync(HttpMethod.Put, path, content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ChunkFailureAsync(response, $"putting chunk {chunkId} of '{system}'", cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<StoredChunk?> ReadChunkAsync(string system, string chunkId, CancellationToken cancellationToken)
    {
        var path = ChunkPath(system, chunkId);
        var what = $"reading chunk {chunkId} of '{system}'";
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await Problem.ReadAsync(response, cancellationToken).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.NotFound && problem.Type == EnvelopeWire.ChunkNotFoundType
                ? null
                : throw ChunkFailure(response, problem, what);
        }

        if (!response.Headers.TryGetValues(EnvelopeWire.ChunkStoredHeader, out var values)
            || !DateTimeOffset.TryParse(values.FirstOrDefault(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var stored))
        {
            throw new SnapshotStoreException($"The server's answer to {what} has no valid {EnvelopeWire.ChunkStoredHeader} header; is the address a StateVault server?", isTransient: false);
        }

        return new StoredChunk(await ReadBodyAsync(response, what, cancellationToken).ConfigureAwait(false), stored);
    }

    public async IAsyncEnumerable<StoredChunkRef> ListChunksAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var what = $"listing the chunks of '{system}'";
        ChunkListResponse listing;
        using (var response = await SendAsync(HttpMethod.Get, EnvelopeWire.ChunksPath(system), null, cancellationToken).ConfigureAwait(false))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await ChunkFailureAsync(response, what, cancellationToken).ConfigureAwait(false);
            }

            listing = await ReadJsonAsync<ChunkListResponse>(response, what, cancellationToken).ConfigureAwait(false);
        }

        foreach (var item in listing.Chunks ?? [])
        {
            if (!ChunkId.IsValid(item.Id))
            {
                throw new SnapshotStoreException($"The server's answer to {what} holds an invalid chunk id; is the address a StateVault server?", isTransient: false);
            }

            yield return new StoredChunkRef(item.Id, item.Length, item.StoredUtc);
        }
    }

    public async Task<bool> DeleteChunkAsync(string system, string chunkId, DateTimeOffset storedBefore, CancellationToken cancellationToken)
    {
        var cutOff = storedBefore.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        var path = $"{ChunkPath(system, chunkId)}?{EnvelopeWire.StoredBeforeQuery}={Uri.EscapeDataString(cutOff)}";
        using var response = await SendAsync(HttpMethod.Delete, path, null, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        var problem = await Problem.ReadAsync(response, cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.PreconditionFailed && problem.Type == EnvelopeWire.ChunkKeptType
            ? false
            : throw ChunkFailure(response, problem, $"deleting chunk {chunkId} of '{system}'");
    }

    /// <summary>Validates both names before anything is sent: no caller input reaches a URL unchecked.</summary>
    private static string ChunkPath(string system, string chunkId)
    {
        SystemName.Validate(system);
        return $"{EnvelopeWire.ChunksPath(system)}/{ChunkId.Validate(chunkId, nameof(chunkId))}";
    }

    private static async Task<Exception> ChunkFailureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken) =>
        ChunkFailure(response, await Problem.ReadAsync(response, cancellationToken).ConfigureAwait(false), what);

    private static Exception ChunkFailure(HttpResponseMessage response, Problem problem, string what) =>
        response.StatusCode == HttpStatusCode.NotImplemented && problem.Type == EnvelopeWire.NotSupportedType
            ? new NotSupportedException($"The server's store keeps no chunks ({what}): {problem.Detail}")
            : Failure(response, problem, what);
}
