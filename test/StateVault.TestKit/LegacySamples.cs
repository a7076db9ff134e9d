namespace StateVault.TestKit;

/// <summary>
/// The original system's real files, <c>../shared/legacy-samples/data/persistent</c> beside the repository (the folder holding
/// <c>StateVault.slnx</c>). A test that needs them and does not find them is skipped with the reason (a failure under
/// <c>STATEVAULT_REQUIRE_BACKENDS=1</c>).
/// </summary>
public static class LegacySamples
{
    /// <summary>The <c>data/persistent</c> folder of the samples, or a skip (failure in CI) when it is missing.</summary>
    public static string RequireDirectory()
    {
        var found = Find();
        if (found is null)
        {
            Backend.Unavailable("The original system's sample files are not available: expected ../shared/legacy-samples/data/persistent beside the repository (the folder holding StateVault.slnx).");
        }

        return found!;
    }

    /// <summary>The samples' <c>data/persistent</c> folder, or <see langword="null"/>.</summary>
    public static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StateVault.slnx")))
            {
                var samples = dir.Parent is null ? null : Path.Combine(dir.Parent.FullName, "shared", "legacy-samples", "data", "persistent");
                return samples is not null && Directory.Exists(samples) ? samples : null;
            }
        }

        return null;
    }
}
