namespace StateVault.Hosting.Ownership;

/// <summary>Finds the lease provider for a store URI (registered by the application that knows the store kinds).</summary>
public interface ISystemLeaseProviderFactory
{
    /// <summary>The provider for <paramref name="storeUri"/>; <see langword="null"/> with <paramref name="refusal"/> saying why when the store cannot hold leases.</summary>
    ISystemLeaseProvider? Create(string storeUri, out string? refusal);
}
