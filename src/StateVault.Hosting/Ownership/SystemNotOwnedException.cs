namespace StateVault.Hosting.Ownership;

/// <summary>
/// A manager change or save on an instance that does not own the system: nothing was written and the change is not acknowledged
/// (the instance reloaded the owner's newest state). Transient: retry on the owner, or here after a take-over.
/// </summary>
public sealed class SystemNotOwnedException : StateVaultException
{
    /// <summary>Creates the exception.</summary>
    public SystemNotOwnedException(string system, SystemLease? owner)
        : base(Describe(system, owner))
    {
        System = system;
        Owner = owner;
    }

    /// <inheritdoc />
    public override bool IsTransient => true;

    /// <summary>The system.</summary>
    public string System { get; }

    /// <summary>The owner as known here, if any.</summary>
    public SystemLease? Owner { get; }

    private static string Describe(string system, SystemLease? owner) => owner is null
        ? $"This instance does not own '{system}' and no owner is known right now (a take-over is under way); nothing was written."
        : $"This instance does not own '{system}': instance {owner.OwnerId}{(owner.OwnerUrl is null ? string.Empty : " at " + owner.OwnerUrl)} owns it; nothing was written.";
}
