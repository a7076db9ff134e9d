using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using StateVault.Managers.Legacy;
using StateVault.Serialization;
using Xunit;

namespace StateVault.Managers.Tests.Legacy;

/// <summary>
/// Files generated in the original's shapes (repr strings, <c>str(datetime)</c>, enum reprs, nulls, non-ASCII text, unknown
/// keys) import without loss: every leaf value of the file is found in the typed state or, at its own path, under <c>legacy</c>.
/// </summary>
public sealed class LegacyMapperPropertyTests
{
    private static readonly string[] s_systems = ["health_thresholds", "gaming_alerts", "ai_ml_core", "ai_ml_models", "dependencies", "swarm_integration", "core_management", "api_keys"];

    // Conversions the mapping documents (docs/legacy-mapping.md): the original's operation names as StateVault's, and the
    // constant operation names the typed record implies.
    private static readonly Dictionary<string, string> s_renamed = new(StringComparer.Ordinal)
    {
        ["set_threshold"] = "set",
        ["register"] = "registered",
        ["update_status"] = "status_changed",
    };

    private static readonly HashSet<string> s_implied = new(StringComparer.Ordinal) { "coordinate_agents", "send_coordination_message" };

    // An alert's acknowledged/resolved flags become its status (and "acknowledged by the original system"); the sample test
    // checks those values one by one.
    private static readonly HashSet<string> s_flagsToStatus = new(StringComparer.Ordinal) { "acknowledged", "resolved" };

    [Fact]
    public void MapFile_GeneratedOriginalFiles_EveryLeafInTypedStateOrLegacy()
    {
        Gen.Select(Gen.Int[0, s_systems.Length - 1], Gen.Int).Sample((index, seed) =>
        {
            var system = s_systems[index];
            var original = LegacyFileGenerator.Generate(system, new Random(seed));
            var mapping = LegacyMapper.MapFile(system, original, StateVaultJson.CreateDefaultOptions(), TimeZoneInfo.Utc, DateTimeOffset.UnixEpoch);
            var legacy = mapping.State["legacy"] as JsonObject;
            var typed = (JsonObject)mapping.State.DeepClone();
            typed.Remove("legacy");
            var found = new HashSet<string>(StringComparer.Ordinal);
            CollectTyped(typed, found);

            var missing = new List<string>();
            foreach (var (path, leaf) in Leaves(Expand(original), []))
            {
                if (leaf is null || AtPath(legacy, path) is { } kept && JsonNode.DeepEquals(kept, leaf) || (system == "gaming_alerts" && s_flagsToStatus.Contains(path[^1])))
                {
                    continue;
                }

                var key = Norm(leaf);
                if (!found.Contains(key) && !(leaf is JsonValue v && v.TryGetValue<string>(out var s) && (s_implied.Contains(s) || (s_renamed.TryGetValue(s, out var renamed) && found.Contains("s:" + renamed)))))
                {
                    missing.Add($"{string.Join('/', path)} = {leaf.ToJsonString()}");
                }
            }

            Assert.True(missing.Count == 0, $"{system}: lost {string.Join("; ", missing)}\n{original.ToJsonString()}");
            Assert.Equal(LegacyReader.CountLeaves(original), mapping.MappedFields + mapping.LegacyFields);
        }, iter: 300);
    }

    private static JsonNode? Expand(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                return new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Expand(p.Value))));
            case JsonArray array:
                return new JsonArray([.. array.Select(Expand)]);
            case JsonValue v when v.TryGetValue<string>(out var text):
                var trimmed = text.Trim();
                if (trimmed.Length > 0 && char.IsAsciiLetter(trimmed[0]) && trimmed.EndsWith(')') && PythonLiteral.TryParseCall(trimmed, out _, out var arguments) && !trimmed.StartsWith("datetime.", StringComparison.Ordinal))
                {
                    return new JsonObject(arguments.Select((a, i) => KeyValuePair.Create(a.Key ?? "arg" + i.ToString(CultureInfo.InvariantCulture), Expand(a.Value?.DeepClone()))));
                }

                return trimmed.Length > 1 && trimmed[0] is '[' or '{' && PythonLiteral.TryParse(trimmed, out var parsed) ? Expand(parsed) : node.DeepClone();
            default:
                return node?.DeepClone();
        }
    }

    private static IEnumerable<(string[] Path, JsonNode? Leaf)> Leaves(JsonNode? node, string[] path) => node switch
    {
        JsonObject obj => obj.SelectMany(p => Leaves(p.Value, [.. path, p.Key])),
        JsonArray array => array.SelectMany((item, i) => Leaves(item, [.. path, i.ToString(CultureInfo.InvariantCulture)])),
        _ => [(path, node)],
    };

    private static JsonNode? AtPath(JsonNode? node, string[] path)
    {
        foreach (var part in path)
        {
            node = node is JsonObject obj ? obj[part] : null;
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    private static void CollectTyped(JsonNode? node, HashSet<string> found)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    CollectTyped(value, found);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    CollectTyped(item, found);
                }

                break;
            case JsonValue v:
                found.Add(Norm(v));
                if (v.TryGetValue<string>(out var text) && text.Length > 1 && text[0] is '{' or '[')
                {
                    // A configuration value kept as JSON text.
                    CollectTyped(JsonNode.Parse(text), found);
                }

                break;
        }
    }

    private static string Norm(JsonNode leaf)
    {
        var v = (JsonValue)leaf;
        switch (v.GetValueKind())
        {
            case JsonValueKind.True or JsonValueKind.False:
                return "b:" + v.GetValue<bool>();
            case JsonValueKind.Number:
                return "n:" + double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
        }

        var text = v.GetValue<string>().Trim();
        if (PythonLiteral.DateTimeRepr(text) is { } repr)
        {
            return "t:" + new DateTimeOffset(repr, TimeSpan.Zero).UtcTicks;
        }

        if (text.Length >= 10 && char.IsAsciiDigit(text[0]) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return "t:" + time.UtcTicks;
        }

        return "s:" + (PythonLiteral.EnumValue(text) ?? text);
    }
}
