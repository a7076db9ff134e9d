namespace StateVault.Serialization;

/// <summary>Builds the JSON paths used in secret findings and diffs (<c>$.a.b[2]['odd key']</c>).</summary>
internal static class JsonPath
{
    public const string Root = "$";

    public static string Property(string path, string name)
    {
        if (name.Length == 0)
        {
            return $"{path}['']";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return $"{path}['{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}']";
            }
        }

        return $"{path}.{name}";
    }

    public static string Index(string path, int index) => $"{path}[{index}]";
}
