using System.Globalization;
using System.Text;

namespace StateVault.Server.OpenApi;

/// <summary>
/// Derives a stable, unique operationId from the HTTP method and the route: the method, then each segment after <c>/api</c>
/// in PascalCase, a parameter as <c>By{Name}</c>: <c>GET /api/systems/{system}/snapshots/latest</c> is
/// <c>getSystemsBySystemSnapshotsLatest</c>. Derived, so a new route cannot be forgotten, and a renamed route renames its
/// client method on purpose.
/// </summary>
internal static class OperationIds
{
    public static string For(string method, string path)
    {
        var id = new StringBuilder(method.ToLowerInvariant());
        foreach (var raw in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = raw;
            if (id.Length == method.Length && string.Equals(segment, "api", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (segment.StartsWith('{'))
            {
                // {seq:long} → BySeq; {*rest} → ByRest
                segment = segment.Trim('{', '}', '*', '?');
                var colon = segment.IndexOf(':', StringComparison.Ordinal);
                id.Append("By");
                segment = colon >= 0 ? segment[..colon] : segment;
            }

            foreach (var word in segment.Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries))
            {
                id.Append(char.ToUpper(word[0], CultureInfo.InvariantCulture)).Append(word.AsSpan(1));
            }
        }

        return id.ToString();
    }
}
