namespace StateVault.Server.Tests.Support;

/// <summary>Files of the repository the tests read: found by walking up from the test's output to the folder holding <c>StateVault.slnx</c>.</summary>
public static class Repository
{
    /// <summary>The repository root, or <see langword="null"/> when the tests run outside a checkout.</summary>
    public static string? Root { get; } = FindRoot();

    /// <summary>The committed copy of the served OpenAPI document.</summary>
    public static string OpenApiDocument => Path.Combine(Root ?? throw new InvalidOperationException("The tests run outside the repository (no StateVault.slnx above the test output)."), "docs", "openapi.json");

    private static string? FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StateVault.slnx")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
