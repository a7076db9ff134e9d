using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StateVault.Managers.Legacy;

/// <summary>
/// Reads the fields of one original record. A field that is read successfully is marked used; <see cref="Commit"/> removes the
/// used fields from the record, so what remains of it is exactly what had no typed place (and is kept under <c>legacy</c>).
/// A field whose value does not parse is not marked, so it stays.
/// </summary>
internal sealed class LegacyFields(JsonObject node, LegacyReader reader)
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public JsonObject Node => node;

    public bool Has(string key) => node.ContainsKey(key);

    /// <summary>Text of a string (or number/boolean written as one); an enum repr is kept as written.</summary>
    public string? Str(string key)
    {
        if (!node.TryGetPropertyValue(key, out var value))
        {
            return null;
        }

        if (value is null)
        {
            _used.Add(key);
            return null;
        }

        if (value is JsonValue v)
        {
            _used.Add(key);
            return v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
        }

        return null;
    }

    public double? Num(string key)
    {
        if (!node.TryGetPropertyValue(key, out var value))
        {
            return null;
        }

        if (value is null)
        {
            _used.Add(key);
            return null;
        }

        if (LegacyReader.Number(value) is { } number)
        {
            _used.Add(key);
            return number;
        }

        return null;
    }

    public bool? Bool(string key)
    {
        if (!node.TryGetPropertyValue(key, out var value))
        {
            return null;
        }

        if (value is null)
        {
            _used.Add(key);
            return null;
        }

        if (value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            _used.Add(key);
            return v.GetValue<bool>();
        }

        if (value is JsonValue s && s.TryGetValue<string>(out var text) && text.Trim() is "True" or "False" or "true" or "false")
        {
            _used.Add(key);
            return text.Trim() is "True" or "true";
        }

        return null;
    }

    public DateTimeOffset? Time(string key)
    {
        if (!node.TryGetPropertyValue(key, out var value) || value is null)
        {
            if (value is null && node.ContainsKey(key))
            {
                _used.Add(key);
            }

            return null;
        }

        if (reader.ToTime(value) is { } time)
        {
            _used.Add(key);
            return time;
        }

        return null;
    }

    /// <summary>The enum member named by a string (<c>AlertSeverity.HIGH</c>, <c>high</c>, <c>&lt;X.HIGH: 'high'&gt;</c>).</summary>
    public TEnum? Enum<TEnum>(string key)
        where TEnum : struct, Enum
    {
        if (!node.TryGetPropertyValue(key, out var value) || value is not JsonValue v || !v.TryGetValue<string>(out var text))
        {
            return null;
        }

        var name = PythonLiteral.EnumValue(text.Trim()) ?? text.Trim();
        if (System.Enum.TryParse<TEnum>(name.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed))
        {
            _used.Add(key);
            return parsed;
        }

        return null;
    }

    public ImmutableList<string>? Strings(string key)
    {
        if (!node.TryGetPropertyValue(key, out var value))
        {
            return null;
        }

        var array = value as JsonArray;
        if (array is null && value is JsonValue v && v.TryGetValue<string>(out var text) && PythonLiteral.TryParse(text.Trim(), out var parsed))
        {
            array = parsed as JsonArray;
        }

        if (array is null || array.Any(i => i is not JsonValue))
        {
            return null;
        }

        _used.Add(key);
        return [.. array.Select(i => i!.GetValueKind() == JsonValueKind.String ? i.GetValue<string>() : i.ToJsonString())];
    }

    /// <summary>An object of any values as a sorted dictionary of JSON elements (nothing is lost).</summary>
    public ImmutableSortedDictionary<string, JsonElement>? Dict(string key)
    {
        if (!node.TryGetPropertyValue(key, out var value))
        {
            return null;
        }

        var obj = value as JsonObject;
        if (obj is null && value is JsonValue v && v.TryGetValue<string>(out var text) && PythonLiteral.TryParse(text.Trim(), out var parsed))
        {
            obj = parsed as JsonObject;
        }

        if (obj is null)
        {
            return null;
        }

        _used.Add(key);
        return LegacyReader.ToElements(obj);
    }

    /// <summary>Marks a field used when it holds <paramref name="expected"/> (a constant the typed record implies).</summary>
    public bool Expect(string key, string expected)
    {
        if (node.TryGetPropertyValue(key, out var value) && value is JsonValue v && v.TryGetValue<string>(out var text) && text == expected)
        {
            _used.Add(key);
            return true;
        }

        return false;
    }

    public void Use(string key) => _used.Add(key);

    public void Commit()
    {
        foreach (var key in _used)
        {
            node.Remove(key);
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{node.Count} fields, {_used.Count} used");
}
