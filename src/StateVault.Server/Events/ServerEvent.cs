using System.Text.Json.Serialization;

namespace StateVault.Server.Events;

/// <summary>One live update for the dashboard (server-sent event <c>data</c>).</summary>
/// <param name="Kind"><c>saved</c>, <c>restored</c>, <c>deleted</c>, <c>pruned</c>, <c>verified</c>, <c>manager</c> or <c>keys</c>.</param>
/// <param name="System">The system concerned, if any.</param>
/// <param name="Manager">The manager concerned, if any.</param>
/// <param name="Result">For saves: <c>success</c>, <c>conflict</c>, <c>rejected</c> or <c>failure</c>.</param>
internal sealed record ServerEvent(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("system")] string? System = null,
    [property: JsonPropertyName("manager")] string? Manager = null,
    [property: JsonPropertyName("result")] string? Result = null);
