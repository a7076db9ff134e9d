namespace StateVault.Chunking;

/// <summary>
/// How large states are saved as chunked snapshots: split by content-defined chunking, each chunk stored once per
/// system (addressed by its SHA-256) and the envelope carrying the list. A save then writes only the chunks that changed.
/// Applies only on a store that keeps chunks (<see cref="Storage.ISnapshotStoreWithChunks"/>).
/// </summary>
public sealed class ChunkingOptions
{
    /// <summary>The default of <see cref="Threshold"/>: 1 MiB.</summary>
    public const int DefaultThreshold = 1024 * 1024;

    /// <summary>The default of <see cref="AverageChunkSize"/>: 64 KiB.</summary>
    public const int DefaultAverageChunkSize = 64 * 1024;

    /// <summary>Whether large states are chunked on stores that keep chunks.</summary>
    /// <value><see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>A state (serialized JSON, after the secret policy) at or above this many bytes is chunked.</summary>
    /// <value><see cref="DefaultThreshold"/> (1 MiB): below it a whole write costs about what chunking and its
    /// bookkeeping cost, and the few chunks save little.</value>
    public int Threshold { get; set; } = DefaultThreshold;

    /// <summary>
    /// The target average chunk size; chunks are at least a quarter and at most four times this. A power of two from
    /// 1 KiB to 16 MiB. Changing it makes the next save store every chunk anew (old ones are collected later).
    /// </summary>
    /// <value><see cref="DefaultAverageChunkSize"/> (64 KiB).</value>
    public int AverageChunkSize { get; set; } = DefaultAverageChunkSize;

    /// <summary>
    /// How old an unreferenced chunk must be before it is collected. A save that reuses a chunk it has not put within
    /// half of this puts it again, so a collection in another process cannot delete a chunk a save is about to reference,
    /// provided the clocks of the processes and the store differ by less than half of this.
    /// </summary>
    /// <remarks><see cref="TimeSpan.Zero"/> is allowed when one process uses the store: collection and saves in this vault
    /// then exclude each other per system, and nothing unreferenced waits.</remarks>
    /// <value>15 minutes.</value>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How many chunk reads or writes one save or load runs at once.</summary>
    /// <value>4.</value>
    public int MaxParallelism { get; set; } = 4;

    /// <summary>Throws <see cref="ArgumentException"/> for invalid settings.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Threshold, 1, nameof(Threshold));
        if (AverageChunkSize is < 1024 or > 16 * 1024 * 1024 || !System.Numerics.BitOperations.IsPow2(AverageChunkSize))
        {
            throw new ArgumentOutOfRangeException(nameof(AverageChunkSize), AverageChunkSize, "The average chunk size must be a power of two from 1 KiB to 16 MiB.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(GracePeriod, TimeSpan.Zero, nameof(GracePeriod));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelism, 1, nameof(MaxParallelism));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxParallelism, 64, nameof(MaxParallelism));
    }
}
