using System.Text;
using System.Text.RegularExpressions;
using StateVault.Secrets;

namespace StateVault.Server.Diagnostics;

/// <summary>
/// Makes a request target safe to log: every path segment and query value that looks like a secret (the engine's
/// <see cref="SecretScanner"/> formats, after URL-decoding, and StateVault access keys) becomes <c>[REDACTED]</c>.
/// </summary>
internal static partial class LogRedaction
{
    public const string Redacted = "[REDACTED]";

    public static string Target(PathString path, QueryString query)
    {
        var builder = new StringBuilder();
        var segments = (path.Value ?? string.Empty).Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (i > 0)
            {
                builder.Append('/');
            }

            builder.Append(LooksSecret(segments[i]) ? Redacted : segments[i]);
        }

        if (query.HasValue && query.Value!.Length > 1)
        {
            builder.Append('?');
            var pairs = query.Value[1..].Split('&');
            for (var i = 0; i < pairs.Length; i++)
            {
                if (i > 0)
                {
                    builder.Append('&');
                }

                var separator = pairs[i].IndexOf('=', StringComparison.Ordinal);
                var name = separator < 0 ? pairs[i] : pairs[i][..separator];
                if (LooksSecret(Decode(name)))
                {
                    builder.Append(Redacted);
                }
                else if (separator < 0)
                {
                    builder.Append(name);
                }
                else
                {
                    builder.Append(name).Append('=').Append(LooksSecret(Decode(pairs[i][(separator + 1)..])) ? Redacted : pairs[i][(separator + 1)..]);
                }
            }
        }

        return builder.ToString();
    }

    private static bool LooksSecret(string text) =>
        text.Length >= 16 && (SecretScanner.Classify(text) is not null || AccessKey().IsMatch(text) || SecretScanner.Classify(Decode(text)) is not null);

    private static string Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return text;
        }
    }

    // A StateVault access key (svk_<12 hex>_<secret>), whole or as its secret-bearing start.
    [GeneratedRegex("svk_[0-9a-f]{12}_", RegexOptions.CultureInvariant)]
    private static partial Regex AccessKey();
}
