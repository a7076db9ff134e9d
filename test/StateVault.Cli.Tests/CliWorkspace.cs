using System.Text;
using StateVault.Storage;
using Xunit;

namespace StateVault.Cli.Tests;

/// <summary>
/// A temporary folder for one test: the tool's working directory, with a store under <c>store/</c> (not created
/// until the tool writes). Deleted on dispose.
/// </summary>
public sealed class CliWorkspace : IDisposable
{
    public CliWorkspace()
    {
        Root = Path.Combine(Path.GetTempPath(), "sv-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Cli = new StateVaultCli(Root);
    }

    /// <summary>The working folder (the store's parent).</summary>
    public string Root { get; }

    /// <summary>The tool, running in <see cref="Root"/>.</summary>
    public StateVaultCli Cli { get; }

    /// <summary>The default test store's folder.</summary>
    public string StorePath => Path.Combine(Root, "store");

    /// <summary>The default test store's URI.</summary>
    public string Store => StoreUri("store");

    /// <summary>The URI of a file store in a sub-folder of <see cref="Root"/>.</summary>
    public string StoreUri(string folder) => "file:" + Path.Combine(Root, folder);

    /// <summary>Runs the tool on the default test store.</summary>
    public Task<CliResult> RunAsync(params string[] args) => Cli.RunAsync(["--store", Store, .. args]);

    /// <summary>Runs the tool on the default test store with <paramref name="stdin"/> as input.</summary>
    public Task<CliResult> RunWithInputAsync(string stdin, params string[] args) => Cli.RunAsync(["--store", Store, .. args], stdin);

    /// <summary>Saves a JSON document through stdin and asserts success.</summary>
    public async Task<CliResult> SaveAsync(string system, string json, params string[] extra) =>
        (await RunWithInputAsync(json, ["save", system, "--json", .. extra])).ShouldExit(0);

    /// <summary>
    /// Saves a snapshot directly with the engine, to set up a test without starting the tool (start-up is what costs
    /// time). No retention runs; <paramref name="createdUtc"/> backdates the snapshot.
    /// </summary>
    public Task<SnapshotMetadata> SeedAsync(string system, string json, DateTimeOffset? createdUtc = null, params string[] tags) =>
        SeedAsync(StorePath, system, json, createdUtc, tags);

    /// <summary>Saves a snapshot directly with the engine into the file store at <paramref name="storePath"/>.</summary>
    public static async Task<SnapshotMetadata> SeedAsync(string storePath, string system, string json, DateTimeOffset? createdUtc = null, params string[] tags)
    {
        var store = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = storePath, Durable = false });
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { PruneAfterSave = false, Compression = { CompressOnLocalStores = true } }, ownsStore: true);
        return await vault.SaveJsonAsync(system, Encoding.UTF8.GetBytes(json), new SaveOptions { CreatedUtc = createdUtc, Tags = tags }, TestContext.Current.CancellationToken);
    }

    /// <summary>Writes a file under <see cref="Root"/> and returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The file of one snapshot in a file store folder.</summary>
    public static string SnapshotFile(string storePath, string system, long sequence) =>
        Path.Combine(storePath, system, $"{system}-{sequence:D19}.svsnap");

    /// <summary>Flips one bit in the last payload byte of a snapshot file.</summary>
    public static void Tamper(string storePath, string system, long sequence)
    {
        var path = SnapshotFile(storePath, system, sequence);
        var bytes = File.ReadAllBytes(path);
        bytes[^2] ^= 0x01;
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Every file and folder under <paramref name="path"/> with its length and content hash, to prove nothing changed.</summary>
    public static IReadOnlyList<string> Tree(string path)
    {
        if (!Directory.Exists(path))
        {
            return [];
        }

        return Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories)
            .Select(entry => File.Exists(entry)
                ? $"{Path.GetRelativePath(path, entry)} {new FileInfo(entry).Length} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(entry)))}"
                : Path.GetRelativePath(path, entry) + "/")
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
