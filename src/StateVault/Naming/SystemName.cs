using System.Text.RegularExpressions;

namespace StateVault;

/// <summary>
/// Validates system names. A valid name matches <c>^[a-z0-9][a-z0-9_.-]{0,63}$</c>, contains no <c>..</c>, does not
/// end with <c>.</c>, and is not a Windows device name (<c>con</c>, <c>prn</c>, <c>aux</c>, <c>nul</c>, <c>com1</c>–<c>com9</c>,
/// <c>lpt1</c>–<c>lpt9</c>, also with an extension such as <c>con.txt</c>). So it is always a single, safe path segment,
/// object-key segment and URL segment, on every operating system a store may move to.
/// </summary>
public static partial class SystemName
{
    /// <summary>The longest allowed name.</summary>
    public const int MaxLength = 64;

    /// <summary>Whether <paramref name="name"/> is a valid system name.</summary>
    public static bool IsValid(string? name) =>
        name is not null && name.Length <= MaxLength && Pattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal)
        && !name.EndsWith('.') && !IsDeviceName(name);

    /// <summary>Throws an <see cref="ArgumentException"/> with a clear message when the name is invalid.</summary>
    /// <returns>The same name, for chaining.</returns>
    public static string Validate(string? name, string paramName = "system")
    {
        if (IsValid(name))
        {
            return name!;
        }

        throw new ArgumentException(Describe(name), paramName);
    }

    /// <summary>Explains why a name is invalid (the name is echoed only in escaped, printable form).</summary>
    public static string Describe(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "Invalid system name: the name is empty. Use 1-64 characters from a-z, 0-9, '_', '.', '-', starting with a letter or digit.";
        }

        var shown = Escape(name);
        if (name.Length > MaxLength)
        {
            return $"Invalid system name '{shown}': {name.Length} characters, at most {MaxLength} are allowed.";
        }

        if (name.Contains("..", StringComparison.Ordinal))
        {
            return $"Invalid system name '{shown}': '..' is not allowed.";
        }

        if (Pattern().IsMatch(name) && name.EndsWith('.'))
        {
            return $"Invalid system name '{shown}': a name must not end with '.' (Windows drops it, so two names would share a folder).";
        }

        if (Pattern().IsMatch(name) && IsDeviceName(name))
        {
            return $"Invalid system name '{shown}': '{name.Split('.')[0]}' is a reserved device name on Windows (con, prn, aux, nul, com1-com9, lpt1-lpt9), also with an extension.";
        }

        return $"Invalid system name '{shown}': use only a-z, 0-9, '_', '.', '-', starting with a letter or digit (pattern ^[a-z0-9][a-z0-9_.-]{{0,63}}$).";
    }

    // Windows resolves these names (before the first dot, in any case) to devices in every folder: a store holding such a
    // system could not be copied to Windows, and writing there would talk to a device instead of a file.
    private static bool IsDeviceName(string name)
    {
        var stem = name.AsSpan();
        var dot = stem.IndexOf('.');
        if (dot >= 0)
        {
            stem = stem[..dot];
        }

        return stem switch
        {
            "con" or "prn" or "aux" or "nul" => true,
            ['c', 'o', 'm', >= '1' and <= '9'] or ['l', 'p', 't', >= '1' and <= '9'] => true,
            _ => false,
        };
    }

    private static string Escape(string name)
    {
        var clipped = name.Length > 80 ? name[..80] + "…" : name;
        var builder = new System.Text.StringBuilder(clipped.Length);
        foreach (var c in clipped)
        {
            builder.Append(c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}");
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_.-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
