namespace StateVault.Server.OpenApi;

/// <summary>
/// Endpoint metadata for the OpenAPI document: the route answers with <c>ETag: "N"</c> (the snapshot's sequence) and, when
/// <paramref name="IfMatch"/>, honours <c>If-Match: "N"</c> (412 when N is not the latest).
/// </summary>
/// <param name="IfMatch">Whether the route reads If-Match.</param>
internal sealed record SequenceHeaders(bool IfMatch = false);
