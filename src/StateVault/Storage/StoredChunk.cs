namespace StateVault.Storage;

/// <summary>A chunk as a store reads it: the bytes as put and when it was last put (UTC, the store's clock).</summary>
/// <param name="Data">The stored bytes, unchanged.</param>
/// <param name="StoredUtc">When the chunk was last put.</param>
public sealed record StoredChunk(byte[] Data, DateTimeOffset StoredUtc);
