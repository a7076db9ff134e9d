using System.Security.Cryptography;
using System.Text;

namespace StateVault;

/// <summary>
/// Maps free-form keys (an Orleans state name and grain id, an Akka persistence id) to valid system names, one-to-one.
/// </summary>
/// <remarks>
/// The name is <c>prefix.part1.part2…</c>. In each part, <c>a-z</c>, <c>0-9</c> and <c>-</c> stay as they are; every other
/// character becomes <c>_</c> plus the two lowercase hex digits of each of its UTF-8 bytes (<c>A</c> → <c>_41</c>,
/// <c>/</c> → <c>_2f</c>); an empty part is a lone <c>_</c>. Parts never contain a dot, so different keys never meet.
/// When that name would be longer than <see cref="SystemName.MaxLength"/> characters, it becomes
/// <c>prefix.&lt;readable start&gt;._h&lt;32 hex digits&gt;</c>: the start of the escaped name for people, and the first
/// 128 bits of the SHA-256 of the whole escaped name for uniqueness. <c>_h</c> never occurs in an escaped name, so a
/// hashed name never equals an unhashed one.
/// </remarks>
public static class SystemNameEncoder
{
    /// <summary>The longest allowed prefix.</summary>
    public const int MaxPrefixLength = 24;

    private const int HashHexDigits = 32;

    /// <summary>Whether <paramref name="prefix"/> can start encoded names: 1-24 of <c>a-z 0-9 _ -</c>, starting with a letter or digit.</summary>
    public static bool IsValidPrefix(string? prefix) =>
        !string.IsNullOrEmpty(prefix)
        && prefix.Length <= MaxPrefixLength
        && (char.IsAsciiLetterLower(prefix[0]) || char.IsAsciiDigit(prefix[0]))
        && prefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-');

    /// <summary>The system name for <paramref name="parts"/> under <paramref name="prefix"/>.</summary>
    /// <exception cref="ArgumentException">The prefix is not valid (see <see cref="IsValidPrefix"/>).</exception>
    public static string Encode(string prefix, params ReadOnlySpan<string> parts)
    {
        if (!IsValidPrefix(prefix))
        {
            throw new ArgumentException($"Invalid system name prefix: use 1-{MaxPrefixLength} characters from a-z, 0-9, '_', '-', starting with a letter or digit.", nameof(prefix));
        }

        var builder = new StringBuilder(prefix.Length + 64).Append(prefix);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var part in parts)
        {
            ArgumentNullException.ThrowIfNull(part, nameof(parts));
            builder.Append('.');
            if (part.Length == 0)
            {
                builder.Append('_');
                continue;
            }

            foreach (var rune in part.EnumerateRunes())
            {
                if (rune.Value is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
                {
                    builder.Append((char)rune.Value);
                    continue;
                }

                var count = rune.EncodeToUtf8(utf8);
                for (var i = 0; i < count; i++)
                {
                    builder.Append('_').Append(utf8[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        var name = builder.ToString();
        if (name.Length <= SystemName.MaxLength)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..HashHexDigits];
        var readableLength = SystemName.MaxLength - prefix.Length - 1 - 3 - HashHexDigits; // "prefix" "." readable "._h" hash
        var readable = readableLength > 0 ? name.Substring(prefix.Length + 1, readableLength).TrimEnd('.') : string.Empty;
        return readable.Length == 0 ? $"{prefix}._h{hash}" : $"{prefix}.{readable}._h{hash}";
    }
}
