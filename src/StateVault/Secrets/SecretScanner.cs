using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StateVault.Serialization;

namespace StateVault.Secrets;

/// <summary>
/// Finds secret-looking values in serialized state: every string value and property name is matched
/// against the formats of common credentials. Findings carry the JSON path and kind, never the value.
/// </summary>
public static partial class SecretScanner
{
    // Group names of the pattern below and the kind each reports.
    private static readonly (string Group, string Kind)[] s_kinds =
    [
        ("anthropic", "anthropic-key"), ("openai", "openai-key"), ("aws", "aws-access-key-id"), ("github", "github-token"),
        ("slack", "slack-token"), ("google", "google-api-key"), ("stripe", "stripe-live-key"), ("jwt", "jwt"), ("pem", "private-key"),
    ];

    // The fixed text every pattern below starts with (or, for Stripe, contains). A document in which none of them
    // occurs cannot match any pattern, so the per-string scan is skipped: on a large state that is most of a save's CPU.
    private static readonly SearchValues<string> s_anchors = SearchValues.Create(
        ["sk-", "_live_", "AKIA", "ASIA", "ABIA", "ACCA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "AIza", "eyJ", "-----BEGIN"],
        StringComparison.Ordinal);

    private const int PrefilterChunk = 32 * 1024;
    private const int LongestAnchor = 11; // "github_pat_"

    /// <summary>Scans a serialized JSON document.</summary>
    /// <returns>Every finding, in document order; empty when clean.</returns>
    public static IReadOnlyList<SecretFinding> Scan(ReadOnlySpan<byte> json) =>
        MayContainSecret(json) ? ScanEveryString(json) : [];

    /// <summary>
    /// <see langword="false"/> only when no pattern's fixed text occurs anywhere in the document, so it cannot hold a
    /// secret-looking value. One vectorized pass over the raw bytes instead of a regex per string.
    /// </summary>
    internal static bool MayContainSecret(ReadOnlySpan<byte> json)
    {
        // A \u escape can spell an anchor that the raw text does not show (\u0073k-…): such documents get the full scan.
        // Other JSON escapes (\n, \", \\, …) never stand for a letter, digit, '-' or '_', so they cannot hide one.
        if (json.IndexOf("\\u"u8) >= 0)
        {
            return true;
        }

        // A percent-escape can spell an anchor too (%73k-proj-…): such documents get the full scan as well.
        if (HasPercentEscape(json))
        {
            return true;
        }

        var buffer = ArrayPool<char>.Shared.Rent(PrefilterChunk + LongestAnchor);
        try
        {
            for (var start = 0; start < json.Length; start += PrefilterChunk)
            {
                // Overlap the chunks by the longest anchor, so one cut across a chunk border is still found.
                var from = Math.Max(0, start - (LongestAnchor - 1));
                var bytes = json[from..Math.Min(json.Length, start + PrefilterChunk)];
                // Latin-1 widening maps each byte to one char: ASCII anchors map to themselves, and the bytes of
                // multi-byte UTF-8 characters become chars above 0x7F that no anchor contains.
                var count = Encoding.Latin1.GetChars(bytes, buffer);
                if (buffer.AsSpan(0, count).IndexOfAny(s_anchors) >= 0)
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static bool HasPercentEscape(ReadOnlySpan<byte> json)
    {
        for (var i = json.IndexOf((byte)'%'); i >= 0; )
        {
            if (i + 2 < json.Length && char.IsAsciiHexDigit((char)json[i + 1]) && char.IsAsciiHexDigit((char)json[i + 2]))
            {
                return true;
            }

            var next = json[(i + 1)..].IndexOf((byte)'%');
            i = next < 0 ? -1 : i + 1 + next;
        }

        return false;
    }

    /// <summary>The scan without the prefilter: every string value and property name goes through the patterns.</summary>
    internal static IReadOnlyList<SecretFinding> ScanEveryString(ReadOnlySpan<byte> json)
    {
        List<SecretFinding>? findings = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var path = new List<PathSegment>();
        var buffer = ArrayPool<char>.Shared.Rent(256);
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        MarkValueConsumed(path);
                        path.Add(new PathSegment(reader.TokenType == JsonTokenType.StartArray, null, -1));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        {
                            var name = reader.GetString()!;
                            path[^1] = path[^1] with { Property = name };
                            var kind = Classify(name);
                            if (kind is not null)
                            {
                                (findings ??= []).Add(new SecretFinding(FormatPath(path, includeLast: false) + "{key}", kind));
                            }

                            break;
                        }

                    case JsonTokenType.String:
                        {
                            MarkValueConsumed(path);
                            var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
                            if (buffer.Length < length)
                            {
                                ArrayPool<char>.Shared.Return(buffer);
                                buffer = ArrayPool<char>.Shared.Rent(length);
                            }

                            var written = reader.CopyString(buffer);
                            var kind = Classify(buffer.AsSpan(0, written));
                            if (kind is not null)
                            {
                                (findings ??= []).Add(new SecretFinding(FormatPath(path, includeLast: true), kind));
                            }

                            break;
                        }

                    default:
                        MarkValueConsumed(path);
                        break;
                }
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }

        return findings ?? (IReadOnlyList<SecretFinding>)[];
    }

    /// <summary>
    /// Replaces every secret-looking string value with <c>[REDACTED:&lt;kind&gt;:&lt;first 8 hex of its SHA-256&gt;]</c>.
    /// </summary>
    /// <returns>The redacted document and what was replaced. A secret-looking property name cannot be redacted and is returned as a finding with <c>{key}</c> in its path.</returns>
    public static (byte[] Json, IReadOnlyList<SecretFinding> Redacted, IReadOnlyList<SecretFinding> Unredactable) Redact(ReadOnlySpan<byte> json)
    {
        var node = JsonNode.Parse(json);
        var redacted = new List<SecretFinding>();
        var unredactable = new List<SecretFinding>();
        var replaced = Walk(node, "$", redacted, unredactable);
        var output = JsonSerializer.SerializeToUtf8Bytes(replaced);
        return (output, redacted, unredactable);
    }

    /// <summary>
    /// Returns the kind of secret <paramref name="value"/> looks like, or <see langword="null"/>. A value holding
    /// percent-escapes (a key pasted from a URL or a header, e.g. <c>Bearer%20sk-proj-…</c>) is also checked after
    /// URL-decoding, up to three times for double-encoded text.
    /// </summary>
    public static string? Classify(ReadOnlySpan<char> value)
    {
        if (value.Length < 16)
        {
            return null;
        }

        if (ClassifyExact(value) is { } kind)
        {
            return kind;
        }

        var text = value;
        for (var round = 0; round < 3 && HasPercentEscape(text); round++)
        {
            var decoded = UrlDecode(text);
            if (decoded.Length == text.Length)
            {
                break;
            }

            if (ClassifyExact(decoded) is { } decodedKind)
            {
                return decodedKind;
            }

            text = decoded;
        }

        return null;
    }

    private static string? ClassifyExact(ReadOnlySpan<char> value)
    {
        if (value.Length < 16 || !SecretPattern().IsMatch(value))
        {
            return null;
        }

        var groups = SecretPattern().Match(value.ToString()).Groups;
        foreach (var (group, kind) in s_kinds)
        {
            if (groups[group].Success)
            {
                return kind;
            }
        }

        return null;
    }

    private static bool HasPercentEscape(ReadOnlySpan<char> text)
    {
        for (var i = text.IndexOf('%'); i >= 0; )
        {
            if (i + 2 < text.Length && char.IsAsciiHexDigit(text[i + 1]) && char.IsAsciiHexDigit(text[i + 2]))
            {
                return true;
            }

            var next = text[(i + 1)..].IndexOf('%');
            i = next < 0 ? -1 : i + 1 + next;
        }

        return false;
    }

    // Percent-escapes and '+' (a space in form encoding). An escape that is not valid UTF-8 is left as it was.
    private static string UrlDecode(ReadOnlySpan<char> text) =>
        Uri.UnescapeDataString(text.ToString().Replace('+', ' '));

    private static JsonNode? Walk(JsonNode? node, string path, List<SecretFinding> redacted, List<SecretFinding> unredactable)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (Classify(key) is { } keyKind)
                    {
                        unredactable.Add(new SecretFinding(path + "{key}", keyKind));
                    }

                    var childPath = JsonPath.Property(path, SafeName(key));
                    var replacement = Walk(value, childPath, redacted, unredactable);
                    if (!ReferenceEquals(replacement, value))
                    {
                        obj[key] = replacement;
                    }
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var value = array[i];
                    var replacement = Walk(value, JsonPath.Index(path, i), redacted, unredactable);
                    if (!ReferenceEquals(replacement, value))
                    {
                        array[i] = replacement;
                    }
                }

                return array;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                if (Classify(text) is { } kind)
                {
                    redacted.Add(new SecretFinding(path, kind));
                    var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
                    return JsonValue.Create($"[REDACTED:{kind}:{Convert.ToHexStringLower(hash.AsSpan(0, 4))}]");
                }

                return value;
            default:
                return node;
        }
    }

    private static void MarkValueConsumed(List<PathSegment> path)
    {
        if (path.Count > 0 && path[^1].IsArray)
        {
            path[^1] = path[^1] with { Index = path[^1].Index + 1 };
        }
    }

    private static string FormatPath(List<PathSegment> path, bool includeLast)
    {
        var builder = new StringBuilder("$");
        for (var i = 0; i < path.Count; i++)
        {
            var segment = path[i];
            if (segment.IsArray)
            {
                builder.Append('[').Append(Math.Max(segment.Index, 0)).Append(']');
            }
            else if (segment.Property is not null && (includeLast || i < path.Count - 1))
            {
                builder.Append(JsonPath.Property(string.Empty, SafeName(segment.Property)));
            }
        }

        return builder.ToString();
    }

    // A path is shown in exceptions and logs, so a property name that itself looks like a secret is never echoed.
    private static string SafeName(string name) => Classify(name) is { } kind ? $"[REDACTED:{kind}]" : name;

    private readonly record struct PathSegment(bool IsArray, string? Property, int Index);

    // A prefix that is distinctive on its own (sk-ant-api03-, sk-proj-…, AKIA…, ghp_, github_pat_, xoxb-, AIza, sk_live_, eyJ….eyJ)
    // needs no word boundary before it: a key glued to a letter or digit ("xsk-proj-…", "id=AKIA…") is still a key. A
    // generic prefix keeps the boundary, so words that merely contain it ("desk-…", "risk-admin-…") are not keys; without the
    // boundary, an openai key needs a body that looks random (upper case, lower case and a digit), or the marker every
    // OpenAI key body carries ("T3BlbkFJ"). An AWS key id is matched with whatever follows it.
    [GeneratedRegex(
        """
        (?<anthropic>sk-ant-(?:api|admin|oat)[0-9]{2}-[A-Za-z0-9_\-]{20,})
        |(?<openai>(?<![A-Za-z0-9])sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,}|[A-Za-z0-9]{20,}))
        |(?<openai>sk-(?:proj|svcacct|admin|None)-(?=[A-Za-z0-9_\-]*?[0-9])(?=[A-Za-z0-9_\-]*?[A-Z])(?=[A-Za-z0-9_\-]*?[a-z])[A-Za-z0-9_\-]{32,})
        |(?<openai>sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_\-]{8,}T3BlbkFJ[A-Za-z0-9_\-]{8,})
        |(?<openai>sk-(?=[A-Za-z0-9]*?[0-9])(?=[A-Za-z0-9]*?[A-Z])(?=[A-Za-z0-9]*?[a-z])[A-Za-z0-9]{40,})
        |(?<aws>(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})
        |(?<github>(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}))
        |(?<slack>xox[abposre]-[A-Za-z0-9\-]{10,})
        |(?<google>AIza[0-9A-Za-z_\-]{35})
        |(?<stripe>(?:sk|rk)_live_[0-9A-Za-z]{20,})
        |(?<jwt>eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{16,})
        |(?<pem>-----BEGIN[A-Z\x20]*PRIVATE\x20KEY(?:\x20BLOCK)?-----)
        """,
        RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex SecretPattern();
}
