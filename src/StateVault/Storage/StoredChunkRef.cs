namespace StateVault.Storage;

/// <summary>A chunk as a store lists it: its id, stored length in bytes and when it was last put (UTC, the store's clock).</summary>
public readonly record struct StoredChunkRef(string Id, long Length, DateTimeOffset StoredUtc);
