using System.CommandLine.Parsing;
using System.Globalization;

namespace StateVault.Cli.Commands;

/// <summary>
/// Parsers for whole-number options and arguments with a lower bound, reporting a bad or out-of-range value as one
/// parse error (exit code 2) instead of System.CommandLine's conversion message.
/// </summary>
internal static class NumberParsers
{
    public static Func<ArgumentResult, long> Long(string name, long minimum) =>
        result => Parse(result, name, minimum, long.MaxValue) ?? 0;

    public static Func<ArgumentResult, long?> NullableLong(string name, long minimum) =>
        result => Parse(result, name, minimum, long.MaxValue);

    public static Func<ArgumentResult, int?> NullableInt(string name, int minimum) =>
        result => Parse(result, name, minimum, int.MaxValue) is { } value ? (int)value : null;

    private static long? Parse(ArgumentResult result, string name, long minimum, long maximum)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[^1].Value;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < minimum)
        {
            result.AddError($"{name} must be a whole number of {minimum} or more (got '{text}').");
            return null;
        }

        if (value > maximum)
        {
            result.AddError($"{name} is too large (at most {maximum}).");
            return null;
        }

        return value;
    }
}
