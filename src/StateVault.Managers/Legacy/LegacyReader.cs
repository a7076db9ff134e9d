using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StateVault.Managers.Legacy;

/// <summary>
/// Walks a working copy of one original file. Mappers read records through <see cref="LegacyFields"/> and the copy loses what
/// they used; what is left at the end is the <c>legacy</c> residue. A list keeps its leftovers by index (<c>{"3": {...}}</c>), so a
/// leftover field can always be put back beside the record it came from.
/// </summary>
internal sealed class LegacyReader(JsonObject root, TimeZoneInfo timeZone, DateTimeOffset fileTime)
{
    public JsonObject Root => root;

    public DateTimeOffset FileTime => fileTime;

    public LegacyFields Fields(JsonObject node) => new(node, this);

    /// <summary>Maps each object of the list <paramref name="key"/> of <paramref name="parent"/>; leftovers stay by index.</summary>
    public void EachItem(JsonObject parent, string key, Action<LegacyFields, int> map)
    {
        if (!parent.TryGetPropertyValue(key, out var value))
        {
            return;
        }

        var array = value as JsonArray;
        if (array is null && value is JsonValue v && v.TryGetValue<string>(out var text) && text.TrimStart().StartsWith('[') && PythonLiteral.TryParse(text.Trim(), out var parsed))
        {
            array = parsed as JsonArray;
        }

        if (array is null)
        {
            return;
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonObject item)
            {
                map(Fields(item), i);
            }
        }

        var leftovers = new JsonObject();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject { Count: 0 })
            {
                leftovers[i.ToString(CultureInfo.InvariantCulture)] = array[i]?.DeepClone();
            }
        }

        Replace(parent, key, leftovers);
    }

    /// <summary>
    /// Maps each entry of the object <paramref name="key"/> of <paramref name="parent"/>. The callback returns whether it used a
    /// scalar entry (a repr string); an object entry is used when all its fields were.
    /// </summary>
    public void EachEntry(JsonObject parent, string key, Func<string, JsonNode?, LegacyFields?, bool> map)
    {
        if (parent[key] is not JsonObject obj)
        {
            return;
        }

        foreach (var name in obj.Select(p => p.Key).ToList())
        {
            var child = obj[name];
            var fields = child is JsonObject o ? Fields(o) : null;
            if (map(name, child, fields) && child is not JsonObject)
            {
                obj.Remove(name);
            }
        }

        foreach (var name in obj.Where(p => p.Value is JsonObject { Count: 0 }).Select(p => p.Key).ToList())
        {
            obj.Remove(name);
        }

        Replace(parent, key, obj.Count == 0 ? new JsonObject() : obj);
    }

    /// <summary>Marks a top-level list of strings used.</summary>
    public ImmutableList<string>? TakeStrings(string key)
    {
        var fields = Fields(root);
        var list = fields.Strings(key);
        fields.Commit();
        return list;
    }

    public DateTimeOffset? ToTime(JsonNode? value)
    {
        if (value is not JsonValue v)
        {
            return null;
        }

        if (Number(v) is { } seconds && v.GetValueKind() == JsonValueKind.Number)
        {
            // Unix time, as time.time() wrote it.
            return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
        }

        if (!v.TryGetValue<string>(out var text))
        {
            return null;
        }

        text = text.Trim();
        if (PythonLiteral.DateTimeRepr(text) is { } repr)
        {
            return LegacyMapper.FromLocal(repr, timeZone);
        }

        // ISO with a 'T' at the top level, str(datetime) with a space inside records; both parse here.
        if (text.Length >= 10 && char.IsAsciiDigit(text[0]) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && HasOffset(text))
        {
            return parsed.ToUniversalTime();
        }

        return text.Length >= 10 && char.IsAsciiDigit(text[0]) && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var naive)
            ? LegacyMapper.FromLocal(naive, timeZone)
            : null;
    }

    // Through the text: a value parsed from a repr holds a long, and JsonValue<long> will not convert to double.
    public static double? Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
        : node is JsonValue s && s.TryGetValue<string>(out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : null;

    public static ImmutableSortedDictionary<string, JsonElement> ToElements(JsonObject obj) =>
        obj.ToImmutableSortedDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value), StringComparer.Ordinal);

    /// <summary>Scalar leaves (nulls included) of a JSON tree.</summary>
    public static int CountLeaves(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Sum(p => CountLeaves(p.Value)),
        JsonArray array => array.Sum(CountLeaves),
        _ => 1,
    };

    private static void Replace(JsonObject parent, string key, JsonObject leftovers)
    {
        if (leftovers.Count == 0)
        {
            parent.Remove(key);
        }
        else if (!ReferenceEquals(parent[key], leftovers))
        {
            parent[key] = leftovers;
        }
    }

    private static bool HasOffset(string text) =>
        text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
}
