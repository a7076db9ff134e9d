using System.Text.Json;
using StateVault.Storage;

namespace StateVault.Benchmarks;

/// <summary>
/// The baseline every benchmark compares with: the physical limit of a durable save. System.Text.Json with its defaults,
/// temp file, write, fsync, rename over, directory fsync — nothing else.
/// </summary>
internal static class HandRolledWriter
{
    public const string FileName = "state.json";

    public static void Save(string dir, BenchState state)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(state);
        var temp = Path.Combine(dir, FileName + ".tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, Path.Combine(dir, FileName), overwrite: true);
        NativeMethods.FsyncDirectory(dir);
    }
}
