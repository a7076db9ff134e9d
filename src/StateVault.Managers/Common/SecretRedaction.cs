using System.Security.Cryptography;
using System.Text;
using StateVault.Secrets;

namespace StateVault.Managers;

/// <summary>
/// Redacts secret-looking values from free text before a manager keeps it, with the vault's scanner and marker format,
/// so the live state and the saved state stay the same and a save is never refused for it.
/// </summary>
public static class SecretRedaction
{
    /// <summary>Returns <paramref name="text"/> with each whitespace-separated token that looks like a secret replaced by
    /// <c>[REDACTED:&lt;kind&gt;:&lt;8 hex of its SHA-256&gt;]</c>; if a secret spans tokens, the whole text is replaced.</summary>
    /// <returns>The safe text and the kinds found (empty when nothing was redacted).</returns>
    public static (string Text, IReadOnlyList<string> Kinds) Redact(string? text)
    {
        if (string.IsNullOrEmpty(text) || SecretScanner.Classify(text) is null)
        {
            return (text ?? string.Empty, []);
        }

        var kinds = new List<string>();
        var builder = new StringBuilder(text.Length);
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var boundary = i == text.Length || char.IsWhiteSpace(text[i]);
            if (!boundary && start < 0)
            {
                start = i;
            }
            else if (boundary && start >= 0)
            {
                var token = text[start..i];
                if (SecretScanner.Classify(token) is { } kind)
                {
                    kinds.Add(kind);
                    builder.Append(Marker(kind, token));
                }
                else
                {
                    builder.Append(token);
                }

                start = -1;
            }

            if (boundary && i < text.Length)
            {
                builder.Append(text[i]);
            }
        }

        var result = builder.ToString();
        if (SecretScanner.Classify(result) is { } remaining)
        {
            // A secret that spans whitespace (a PEM block): nothing of the text is kept.
            kinds.Add(remaining);
            result = Marker(remaining, text);
        }

        return (result, kinds);
    }

    private static string Marker(string kind, string value)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(value));
        return $"[REDACTED:{kind}:{Convert.ToHexStringLower(hash.AsSpan(0, 4))}]";
    }
}
