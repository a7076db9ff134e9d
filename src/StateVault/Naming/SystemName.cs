using System.Text.RegularExpressions;

namespace StateVault;

/// <summary>
/// Validates system names. A valid name matches <c>^[a-z0-9][a-z0-9_.-]{0,63}$</c> and contains no
/// <c>..</c>, so it is always a single, safe path segment, object-key segment and URL segment.
/// </summary>
public static partial class SystemName
{
    /// <summary>The longest allowed name.</summary>
    public const int MaxLength = 64;

    /// <summary>Whether <paramref name="name"/> is a valid system name.</summary>
    public static bool IsValid(string? name) =>
        name is not null && name.Length <= MaxLength && Pattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

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

        return $"Invalid system name '{shown}': use only a-z, 0-9, '_', '.', '-', starting with a letter or digit (pattern ^[a-z0-9][a-z0-9_.-]{{0,63}}$).";
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
