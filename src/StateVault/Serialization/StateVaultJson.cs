using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace StateVault.Serialization;

/// <summary>The JSON settings state is saved with.</summary>
public static class StateVaultJson
{
    /// <summary>
    /// snake_case names (so snapshots read like the original system's files), enums as snake_case strings,
    /// and members marked <see cref="SensitiveAttribute"/> removed from the contract.
    /// </summary>
    public static JsonSerializerOptions CreateDefaultOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            WriteIndented = false,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return WithSensitiveMembersRemoved(options);
    }

    /// <summary>
    /// Returns <paramref name="options"/> with a resolver modifier that drops every member marked
    /// <see cref="SensitiveAttribute"/>. A vault applies this to any options it is given, so a user's own options cannot bring secrets back.
    /// </summary>
    public static JsonSerializerOptions WithSensitiveMembersRemoved(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = new JsonSerializerOptions(options);
        var resolver = copy.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver();
        copy.TypeInfoResolver = resolver.WithAddedModifier(RemoveSensitive);
        copy.MakeReadOnly(populateMissingResolver: true);
        return copy;
    }

    private static void RemoveSensitive(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in typeInfo.Properties)
        {
            var provider = property.AttributeProvider;
            if (provider is not null && provider.IsDefined(typeof(SensitiveAttribute), inherit: true))
            {
                // Neither written nor read. The property stays in the contract (rather than being removed) because a
                // positional record binds its constructor parameters to properties by name, and a parameter without
                // one makes deserialization throw; with no getter it is never serialized, and the parameter gets its default.
                property.Get = null;
                property.Set = null;
            }
        }
    }
}
