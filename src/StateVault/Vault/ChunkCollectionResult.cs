namespace StateVault;

/// <summary>What a collection of unreferenced chunks did for one system.</summary>
/// <param name="System">The system.</param>
/// <param name="Deleted">Chunks deleted (or, in a dry run, that would be).</param>
/// <param name="BytesFreed">Their stored bytes.</param>
/// <param name="Skipped">Why nothing was collected (a listed snapshot could not be read), or <see langword="null"/>.</param>
public sealed record ChunkCollectionResult(string System, int Deleted, long BytesFreed, string? Skipped);
