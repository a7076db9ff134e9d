using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StateVault.Storage;

namespace StateVault.Http;

/// <summary>
/// A store on a running StateVault server, through its raw envelope routes. The server's own store does the durable,
/// atomic work; this side allocates by compare-and-set: read the latest sequence, build the envelope for latest + 1,
/// <c>PUT</c> it create-only, and on a lost race either report the conflict (an expected sequence was given) or try the
/// next number.
/// </summary>
internal sealed partial class HttpSnapshotStore : ISnapshotStore
{
    private readonly HttpClient _client;
    private readonly ILogger _logger;
    private readonly int _maxAppendAttempts;

    public HttpSnapshotStore(HttpSnapshotStoreOptions options, ILogger<HttpSnapshotStore> logger)
        : this(options, logger, new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
    }

    /// <summary>Over a given handler (tests put a fault injector between the store and the network).</summary>
    internal HttpSnapshotStore(HttpSnapshotStoreOptions options, ILogger<HttpSnapshotStore> logger, HttpMessageHandler handler)
    {
        _logger = logger;
        _maxAppendAttempts = options.MaxAppendAttempts;
        _client = new HttpClient(handler)
        {
            BaseAddress = options.BaseAddress,
            Timeout = options.RequestTimeout,
        };
        if (options.ApiKey is { } key)
        {
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    public string Kind => "http";

    // The server's file store supports all three; a server on a store without quarantine answers 501, which becomes
    // NotSupportedException here.
    public SnapshotStoreCapabilities Capabilities { get; } = new(SupportsMultipleProcesses: true, SupportsQuarantine: true, SupportsLargePayloads: true);

    public async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ArgumentNullException.ThrowIfNull(createEnvelope);
        var latest = expectedLatestSequence ?? await GetLatestSequenceAsync(system, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; attempt <= _maxAppendAttempts; attempt++)
        {
            var sequence = latest + 1;
            using var content = new EnvelopeContent(createEnvelope(sequence));
            using var response = await SendAsync(HttpMethod.Put, $"{EnvelopePath(system, sequence)}?{EnvelopeWire.AppendQuery}=true", content, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                return sequence;
            }

            var problem = await Problem.ReadAsync(response, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Conflict || problem.Type != EnvelopeWire.SequenceConflictType || problem.LatestSequence is not { } actual)
            {
                throw Failure(response, problem, $"appending to '{system}'");
            }

            if (expectedLatestSequence is { } expected)
            {
                throw new SnapshotConcurrencyException(system, expected, actual);
            }

            LogLostRace(_logger, system, sequence, attempt);
            latest = actual;
        }

        throw new SnapshotStoreException($"Appending to '{system}' lost the race for a sequence number {_maxAppendAttempts} times in a row.", isTransient: true);
    }

    public async Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        // The whole range, as every store: a number past SnapshotSequence.MaxValue would leave the system unable to append.
        SnapshotSequence.Validate(sequence);
        using var content = new EnvelopeContent(envelope);
        using var response = await SendAsync(HttpMethod.Put, EnvelopePath(system, sequence), content, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return true;
        }

        var problem = await Problem.ReadAsync(response, cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.PreconditionFailed && problem.Type == EnvelopeWire.SequenceExistsType
            ? false
            : throw Failure(response, problem, $"importing snapshot {sequence} of '{system}'");
    }

    public async Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        using var response = await SendAsync(HttpMethod.Get, EnvelopePath(system, sequence), null, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return await ReadBodyAsync(response, $"reading snapshot {sequence} of '{system}'", cancellationToken).ConfigureAwait(false);
        }

        return await NullWhenNotFoundAsync<byte[]>(response, $"reading snapshot {sequence} of '{system}'", cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var listing = await GetListingAsync(system, cancellationToken).ConfigureAwait(false);
        foreach (var item in listing.Snapshots)
        {
            yield return new StoredSnapshotRef(item.Sequence, item.Length);
        }
    }

    public async Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken) =>
        (await GetListingAsync(system, cancellationToken).ConfigureAwait(false)).LatestSequence;

    public async Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        using var response = await SendAsync(HttpMethod.Delete, EnvelopePath(system, sequence), null, cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode
            || await NullWhenNotFoundAsync<object>(response, $"deleting snapshot {sequence} of '{system}'", cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        using var content = JsonContent.Create(new QuarantineRequest(reason));
        using var response = await SendAsync(HttpMethod.Post, EnvelopePath(system, sequence) + "/quarantine", content, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        var problem = await Problem.ReadAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotImplemented && problem.Type == EnvelopeWire.NotSupportedType)
        {
            throw new NotSupportedException($"The server's store does not support quarantine: {problem.Detail}");
        }

        return response.StatusCode == HttpStatusCode.NotFound && problem.Type == EnvelopeWire.NotFoundType
            ? false
            : throw Failure(response, problem, $"quarantining snapshot {sequence} of '{system}'");
    }

    public async IAsyncEnumerable<string> ListSystemsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "api/envelopes", null, cancellationToken).ConfigureAwait(false);
        var body = await ReadJsonAsync<EnvelopeSystemsResponse>(response, "listing systems", cancellationToken).ConfigureAwait(false);
        foreach (var system in body.Systems)
        {
            yield return system;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string EnvelopePath(string system, long sequence) =>
        $"api/systems/{system}/envelopes/{sequence.ToString(CultureInfo.InvariantCulture)}";

    private async Task<EnvelopeListResponse> GetListingAsync(string system, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        using var response = await SendAsync(HttpMethod.Get, $"api/systems/{system}/envelopes", null, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync<EnvelopeListResponse>(response, $"listing '{system}'", cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        try
        {
            return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new SnapshotStoreException($"The StateVault server at {_client.BaseAddress} could not be reached ({ex.HttpRequestError}).", isTransient: true, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SnapshotStoreException($"The StateVault server at {_client.BaseAddress} did not answer within {_client.Timeout}.", isTransient: true, ex);
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new SnapshotStoreException($"The connection broke while {what}.", isTransient: true, ex);
        }
    }

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw Failure(response, await Problem.ReadAsync(response, cancellationToken).ConfigureAwait(false), what);
        }

        var bytes = await ReadBodyAsync(response, what, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(bytes) ?? throw new JsonException("null body");
        }
        catch (JsonException ex)
        {
            throw new SnapshotStoreException($"The server's answer to {what} is not the expected JSON; is the address a StateVault server?", isTransient: false, ex);
        }
    }

    /// <summary>Null for the server's own "no such snapshot" 404; any other failure (a 404 of an unknown route included) throws.</summary>
    private static async Task<T?> NullWhenNotFoundAsync<T>(HttpResponseMessage response, string what, CancellationToken cancellationToken)
        where T : class
    {
        var problem = await Problem.ReadAsync(response, cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.NotFound && problem.Type == EnvelopeWire.NotFoundType
            ? null
            : throw Failure(response, problem, what);
    }

    private static Exception Failure(HttpResponseMessage response, Problem problem, string what)
    {
        var status = (int)response.StatusCode;
        var detail = problem.Detail ?? problem.Title ?? response.ReasonPhrase ?? "no detail";
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => new SnapshotStoreException($"The StateVault server refused the API key while {what} (401); set {HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable} to a valid key.", isTransient: false),
            HttpStatusCode.Forbidden => new SnapshotStoreException($"The API key's role does not allow {what} (403): {detail}", isTransient: false),
            HttpStatusCode.RequestEntityTooLarge => new SnapshotStoreException($"The snapshot is larger than the server accepts while {what} (413): {detail}", isTransient: false),
            HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests => new SnapshotStoreException($"The server asked to retry {what} later ({status}): {detail}", isTransient: true),
            _ when status >= 500 && response.StatusCode != HttpStatusCode.NotImplemented => new SnapshotStoreException($"The server failed {what} ({status}): {detail}", isTransient: true),
            _ => new SnapshotStoreException($"The server refused {what} ({status}): {detail}", isTransient: false),
        };
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Debug, Message = "Append to {System} lost sequence {Sequence} to another writer (attempt {Attempt}); trying the next")]
    private static partial void LogLostRace(ILogger logger, string system, long sequence, int attempt);

    /// <summary>The parts of an RFC 9457 problem this client acts on.</summary>
    private sealed record Problem(string? Type, string? Title, string? Detail, long? LatestSequence)
    {
        public static async Task<Problem> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            try
            {
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                using var document = JsonDocument.Parse(bytes);
                var root = document.RootElement;
                return new Problem(
                    Text(root, "type"),
                    Text(root, "title"),
                    Text(root, "detail"),
                    root.TryGetProperty(EnvelopeWire.LatestSequenceMember, out var latest) && latest.TryGetInt64(out var value) ? value : null);
            }
            catch (Exception ex) when (ex is JsonException or HttpRequestException or InvalidOperationException)
            {
                return new Problem(null, null, null, null);
            }
        }

        private static string? Text(JsonElement root, string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>Streams both envelope segments without first copying them into one buffer.</summary>
    private sealed class EnvelopeContent : HttpContent
    {
        private readonly EnvelopeBytes _envelope;

        public EnvelopeContent(EnvelopeBytes envelope)
        {
            _envelope = envelope;
            Headers.ContentType = new MediaTypeHeaderValue(EnvelopeWire.MediaType);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            _envelope.WriteToAsync(stream, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _envelope.WriteToAsync(stream, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = _envelope.Length;
            return true;
        }
    }
}
