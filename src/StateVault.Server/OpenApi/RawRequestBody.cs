namespace StateVault.Server.OpenApi;

/// <summary>
/// Endpoint metadata for a route that reads its body itself (no parameter binds it): the OpenAPI document describes the body
/// with this media type. Unlike <c>.Accepts(…)</c>, it adds no content-type check to routing, which ran before authentication
/// and answered anonymous callers 415.
/// </summary>
/// <param name="MediaType">The body's media type.</param>
/// <param name="Binary">Whether the body is bytes (a binary string schema) rather than one JSON document of any shape.</param>
internal sealed record RawRequestBody(string MediaType, bool Binary);
