namespace StateVault.Hosting.Ownership;

/// <summary>Which instance owns each manager system, as this instance knows it.</summary>
public interface IOwnershipView
{
    /// <summary>Whether ownership by lease is on.</summary>
    bool Enabled { get; }

    /// <summary>This instance's id.</summary>
    string InstanceId { get; }

    /// <summary>The known owner of <paramref name="system"/> (this instance or another), or <see langword="null"/> when none is known.</summary>
    SystemLease? GetOwner(string system);

    /// <summary>Whether this instance owns <paramref name="system"/> now (always <see langword="true"/> when ownership is off).</summary>
    bool Owns(string system);
}
