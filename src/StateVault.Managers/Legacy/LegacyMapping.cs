using System.Text.Json.Nodes;

namespace StateVault.Managers.Legacy;

/// <summary>One original file mapped to its system's typed state.</summary>
/// <param name="State">The typed state as JSON, with <c>legacy</c> holding what had no typed place.</param>
/// <param name="MappedFields">Leaf values of the file that went into typed fields.</param>
/// <param name="LegacyFields">Leaf values kept under <c>legacy</c>.</param>
internal sealed record LegacyMapping(JsonObject State, int MappedFields, int LegacyFields);
