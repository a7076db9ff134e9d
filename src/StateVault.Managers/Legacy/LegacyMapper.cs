using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using StateVault.Managers.AiMlCore;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Core;
using StateVault.Managers.Dependencies;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Swarm;
using StateVault.Managers.Workflows;

namespace StateVault.Managers.Legacy;

/// <summary>
/// Maps one original file to the typed state of its system, guided by the state's JSON contract: Python repr strings are parsed,
/// <c>null</c>s where booleans or numbers are expected become <c>false</c>/0, enum reprs become their snake_case values, naive
/// local times become UTC. What does not map — unknown keys, values that do not fit, nested keys the typed record has no place
/// for — is kept, as it was, under <c>legacy</c>. Nothing is dropped.
/// </summary>
internal static class LegacyMapper
{
    public const string LegacyKey = "legacy";

    /// <summary>The state type of each original folder.</summary>
    public static IReadOnlyDictionary<string, Type> StateTypes { get; } = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        [CoreManager.ManagerName] = typeof(CoreManagementState),
        [HealthThresholdsManager.ManagerName] = typeof(HealthThresholdsState),
        [SwarmIntegrationManager.ManagerName] = typeof(SwarmIntegrationState),
        [GamingAlertsManager.ManagerName] = typeof(GamingAlertsState),
        [DependenciesManager.ManagerName] = typeof(DependenciesState),
        [AiMlWorkflowsManager.ManagerName] = typeof(AiMlWorkflowsState),
        [AiMlCoreManager.ManagerName] = typeof(AiMlCoreState),
        [AiMlCoreManager.ModelsSystem] = typeof(AiMlModelsState),
        [ApiKeysManager.ManagerName] = typeof(ApiKeysState),
    };

    /// <summary>
    /// Maps one file: field by field for the original's known shapes (<see cref="LegacyShapes"/>), by the typed record's own names
    /// otherwise. Counts the leaf values that went into typed fields and those kept under <c>legacy</c>.
    /// </summary>
    public static LegacyMapping MapFile(string system, JsonObject original, JsonSerializerOptions options, TimeZoneInfo timeZone, DateTimeOffset fileTime)
    {
        var total = LegacyReader.CountLeaves(original);
        if (!LegacyShapes.Knows(system))
        {
            var generic = Map(system, original, options, timeZone, fileTime);
            var keptGeneric = LegacyReader.CountLeaves(generic[LegacyKey]);
            return new LegacyMapping(generic, Math.Max(0, total - keptGeneric), keptGeneric);
        }

        var residue = (JsonObject)original.DeepClone();
        var reader = new LegacyReader(residue, timeZone, fileTime);
        var state = LegacyShapes.Map(system, reader);
        var typed = JsonSerializer.SerializeToNode(state, StateTypes[system], options) as JsonObject ?? [];
        var kept = LegacyReader.CountLeaves(residue);
        if (residue.Count > 0)
        {
            typed[LegacyKey] = residue;
        }
        else
        {
            typed.Remove(LegacyKey);
        }

        return new LegacyMapping(typed, Math.Max(0, total - kept), kept);
    }

    public static JsonObject Map(string system, JsonObject original, JsonSerializerOptions options, TimeZoneInfo timeZone, DateTimeOffset fileTime)
    {
        var type = StateTypes[system];
        var info = options.GetTypeInfo(type);
        var source = (JsonObject)original.DeepClone();
        PrepareForSystem(system, source);
        var typed = new JsonObject();
        var legacy = new JsonObject();
        foreach (var (key, value) in source)
        {
            var property = key == LegacyKey ? null : info.Properties.FirstOrDefault(p => p.Name == key);
            if (property is null)
            {
                legacy[key] = original[key]?.DeepClone();
                continue;
            }

            var coerced = Coerce(value?.DeepClone(), property.PropertyType, options, timeZone, keyHint: null);
            if (TryRoundTrip(coerced, property.PropertyType, options, out var mapped))
            {
                typed[key] = mapped;
                if (!Covers(mapped, coerced))
                {
                    legacy[key] = original[key]?.DeepClone();
                }

                continue;
            }

            // The whole value does not fit: keep what fits element by element, and the original as it was.
            legacy[key] = original[key]?.DeepClone();
            if (MapElements(coerced, options.GetTypeInfo(property.PropertyType), options) is { } partial)
            {
                typed[key] = partial;
            }
        }

        FillDefaults(system, typed, options, fileTime);
        if (legacy.Count > 0)
        {
            typed[LegacyKey] = legacy;
        }

        return typed;
    }

    private static void PrepareForSystem(string system, JsonObject source)
    {
        // A threshold without a direction: infer it from the order of its levels, so "lower is worse" rates (warning 90,
        // critical 75) are evaluated the right way round instead of the original's inverted way.
        if (system == HealthThresholdsManager.ManagerName && source["thresholds"] is JsonObject thresholds)
        {
            foreach (var (_, node) in thresholds)
            {
                if (node is JsonObject threshold && !threshold.ContainsKey("direction")
                    && Number(threshold["warning"]) is { } warning && Number(threshold["critical"]) is { } critical)
                {
                    threshold["direction"] = warning > critical ? "lower_is_worse" : "higher_is_worse";
                }
            }
        }
    }

    private static void FillDefaults(string system, JsonObject typed, JsonSerializerOptions options, DateTimeOffset fileTime)
    {
        // States whose defaults live in the manager (thresholds): an import without them must not leave the manager with none.
        if (system == HealthThresholdsManager.ManagerName && typed["thresholds"] is null)
        {
            typed["thresholds"] = JsonSerializer.SerializeToNode(HealthThresholdsManager.Defaults(fileTime), options);
        }

        if (system == GamingAlertsManager.ManagerName && typed["thresholds"] is null)
        {
            typed["thresholds"] = JsonSerializer.SerializeToNode(GamingAlertsManager.Defaults(), options);
        }
    }

    private static bool TryRoundTrip(JsonNode? node, Type type, JsonSerializerOptions options, out JsonNode? mapped)
    {
        mapped = null;
        try
        {
            var value = node.Deserialize(type, options);
            if (value is null && type.IsValueType is false && node is not null)
            {
                return false;
            }

            mapped = JsonSerializer.SerializeToNode(value, type, options);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException or ArgumentException)
        {
            return false;
        }
    }

    private static JsonNode? MapElements(JsonNode? node, JsonTypeInfo info, JsonSerializerOptions options)
    {
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Dictionary when node is JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (TryRoundTrip(value?.DeepClone(), info.ElementType!, options, out var mapped))
                    {
                        result[key] = mapped;
                    }
                }

                return TryRoundTrip(result, info.Type, options, out var dictionary) ? dictionary : null;
            case JsonTypeInfoKind.Enumerable when node is JsonArray array:
                var list = new JsonArray();
                foreach (var value in array)
                {
                    if (TryRoundTrip(value?.DeepClone(), info.ElementType!, options, out var mapped))
                    {
                        list.Add(mapped);
                    }
                }

                return TryRoundTrip(list, info.Type, options, out var enumerable) ? enumerable : null;
            default:
                return null;
        }
    }

    /// <summary>Whether every object key of <paramref name="source"/> survives in <paramref name="mapped"/> (values may be normalized).</summary>
    private static bool Covers(JsonNode? mapped, JsonNode? source)
    {
        switch (source)
        {
            case JsonObject sourceObject:
                return mapped is JsonObject mappedObject
                    && sourceObject.All(p => mappedObject.ContainsKey(p.Key) && Covers(mappedObject[p.Key], p.Value));
            case JsonArray sourceArray:
                return mapped is JsonArray mappedArray
                    && mappedArray.Count == sourceArray.Count
                    && sourceArray.Select((item, i) => Covers(mappedArray[i], item)).All(x => x);
            default:
                return true;
        }
    }

    private static JsonNode? Coerce(JsonNode? node, Type type, JsonSerializerOptions options, TimeZoneInfo timeZone, string? keyHint)
    {
        var nullable = Nullable.GetUnderlyingType(type);
        var target = nullable ?? type;
        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            var trimmed = text.Trim();
            if (trimmed == "None")
            {
                node = null;
            }
            else if (target != typeof(string) && trimmed.Length > 1 && trimmed[0] is '{' or '[' or '(' && PythonLiteral.TryParse(trimmed, out var parsed))
            {
                node = parsed;
            }
        }

        if (node is null)
        {
            return nullable is null && target.IsValueType ? DefaultFor(target) : null;
        }

        if (target == typeof(bool))
        {
            return node is JsonValue v ? JsonValue.Create(ToBool(v)) : node;
        }

        if (target == typeof(int) || target == typeof(long) || target == typeof(double))
        {
            return node is JsonValue v && v.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? (target == typeof(double) ? JsonValue.Create(number) : JsonValue.Create((long)number))
                : node;
        }

        if (target == typeof(string))
        {
            if (node is JsonValue v)
            {
                // An enum member written with default=str (<Status.IDLE: 'idle'>, AlertSeverity.HIGH) stands for its value.
                return v.TryGetValue<string>(out var s) ? (PythonLiteral.EnumValue(s.Trim()) is { } member ? JsonValue.Create(member) : node) : JsonValue.Create(v.ToJsonString().Trim('"'));
            }

            return node;
        }

        if (target == typeof(DateTimeOffset) || target == typeof(DateTime))
        {
            return node is JsonValue v ? ToUtc(v, timeZone) ?? node : node;
        }

        if (target.IsEnum)
        {
            return node is JsonValue v && v.TryGetValue<string>(out var s)
                ? JsonValue.Create(PythonLiteral.EnumValue(s.Trim()) ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(s.Trim()))
                : node;
        }

        if (target == typeof(JsonElement) || typeof(JsonNode).IsAssignableFrom(target))
        {
            return node;
        }

        var info = options.GetTypeInfo(target);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when node is JsonObject obj:
                foreach (var property in info.Properties)
                {
                    if (obj.TryGetPropertyValue(property.Name, out var child))
                    {
                        var coerced = Coerce(child, property.PropertyType, options, timeZone, null);
                        if (!ReferenceEquals(coerced, child))
                        {
                            obj[property.Name] = coerced;
                        }
                    }
                    else if (property.IsRequired && keyHint is not null && property.Name is "name" or "metric" or "id")
                    {
                        // Python dicts keyed by name often leave the name out of the value.
                        obj[property.Name] = keyHint;
                    }
                }

                return obj;
            case JsonTypeInfoKind.Dictionary when node is JsonObject dictionary:
                foreach (var key in dictionary.Select(p => p.Key).ToList())
                {
                    var child = dictionary[key];
                    var coerced = Coerce(child, info.ElementType!, options, timeZone, key);
                    if (!ReferenceEquals(coerced, child))
                    {
                        dictionary[key] = coerced;
                    }
                }

                return dictionary;
            case JsonTypeInfoKind.Enumerable when node is JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var child = array[i];
                    var coerced = Coerce(child, info.ElementType!, options, timeZone, null);
                    if (!ReferenceEquals(coerced, child))
                    {
                        array[i] = coerced;
                    }
                }

                return array;
            default:
                return node;
        }
    }

    private static JsonValue? DefaultFor(Type type) =>
        type == typeof(bool) ? JsonValue.Create(false)
        : type == typeof(int) || type == typeof(long) ? JsonValue.Create(0)
        : type == typeof(double) ? JsonValue.Create(0.0)
        : null;

    private static bool ToBool(JsonValue value)
    {
        if (value.TryGetValue<bool>(out var b))
        {
            return b;
        }

        if (value.TryGetValue<string>(out var s))
        {
            return s.Trim().ToLowerInvariant() is "true" or "1" or "yes" or "on";
        }

        return value.TryGetValue<double>(out var d) && d != 0;
    }

    private static JsonValue? ToUtc(JsonValue value, TimeZoneInfo timeZone)
    {
        if (value.TryGetValue<double>(out var seconds))
        {
            // Unix time, as time.time() wrote it.
            return JsonValue.Create(DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)));
        }

        if (!value.TryGetValue<string>(out var text))
        {
            return null;
        }

        text = text.Trim();
        if (PythonLiteral.DateTimeRepr(text) is { } repr)
        {
            return JsonValue.Create(FromLocal(repr, timeZone));
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && HasOffset(text))
        {
            return JsonValue.Create(parsed.ToUniversalTime());
        }

        return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var naive)
            ? JsonValue.Create(FromLocal(DateTime.SpecifyKind(naive, DateTimeKind.Unspecified), timeZone))
            : null;
    }

    /// <summary>A naive local time of the original machine as UTC; a time skipped by a DST change is taken as one hour later.</summary>
    public static DateTimeOffset FromLocal(DateTime naive, TimeZoneInfo timeZone)
    {
        var unspecified = DateTime.SpecifyKind(naive, DateTimeKind.Unspecified);
        if (timeZone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddHours(1);
        }

        return new DateTimeOffset(unspecified, timeZone.GetUtcOffset(unspecified)).ToUniversalTime();
    }

    private static bool HasOffset(string text) =>
        text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');

    private static double? Number(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<double>(out var d) ? d
        : node is JsonValue s && s.TryGetValue<string>(out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : null;
}
