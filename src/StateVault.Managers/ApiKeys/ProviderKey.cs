namespace StateVault.Managers.ApiKeys;

/// <summary>A provider key handed to a caller. <see cref="Key"/> is <see cref="SensitiveAttribute">sensitive</see>: it is never serialized into a snapshot.</summary>
public sealed record ProviderKey
{
    /// <summary>The key's id.</summary>
    public required string Id { get; init; }

    /// <summary>The provider.</summary>
    public required string Provider { get; init; }

    /// <summary>The key itself (in memory only).</summary>
    [Sensitive]
    public required string Key { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"ProviderKey {{ Id = {Id}, Provider = {Provider} }}";
}
