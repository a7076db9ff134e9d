using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace StateVault.Server.Api;

/// <summary>Reads a request body whole, refusing (413) one over a limit before and while reading it.</summary>
internal static class RequestBody
{
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        // Raise or lower Kestrel's per-request limit to this route's before the first read; Kestrel enforces it too.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is { } length and > 0 ? (int)length : 4096);
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var read = await request.Body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.WrittenMemory;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                throw TooLarge(limit);
            }
        }
    }

    private static BadHttpRequestException TooLarge(long limit) =>
        new($"The request body is larger than this route accepts ({limit} bytes).", StatusCodes.Status413PayloadTooLarge);
}
