using System.Text.Json;
using System.Text.Unicode;

namespace StateVault.Serialization;

/// <summary>
/// Checks that bytes are one JSON document every reader of a snapshot can read: well-formed, and every string and property
/// name valid UTF-8 whose escapes decode (an unpaired surrogate such as <c>"\ud800"</c> is well-formed JSON text but no
/// string; a reader fails on it later, as a 500 or a snapshot that cannot be loaded).
/// </summary>
internal static class JsonValidation
{
    /// <exception cref="JsonException">The bytes are not such a document; the message gives the position, never a value.</exception>
    public static void Validate(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
            {
                continue;
            }

            if (!reader.ValueIsEscaped)
            {
                if (!Utf8.IsValid(reader.ValueSpan))
                {
                    throw Invalid(reader, "a string is not valid UTF-8");
                }

                continue;
            }

            try
            {
                _ = reader.GetString();
            }
            catch (InvalidOperationException)
            {
                throw Invalid(reader, "a string holds an escape that is no character (an unpaired UTF-16 surrogate) or invalid UTF-8");
            }
        }
    }

    private static JsonException Invalid(in Utf8JsonReader reader, string what) =>
        new($"{what} at byte {reader.TokenStartIndex}", path: null, lineNumber: null, bytePositionInLine: reader.TokenStartIndex);
}
