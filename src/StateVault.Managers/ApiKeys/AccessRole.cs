namespace StateVault.Managers.ApiKeys;

/// <summary>The role of a server access key.</summary>
public enum AccessRole
{
    /// <summary>Reads.</summary>
    Reader = 1,

    /// <summary>Reads and writes snapshots.</summary>
    Writer = 2,

    /// <summary>Everything, including key management.</summary>
    Admin = 3,
}
