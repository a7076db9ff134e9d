namespace StateVault.Akka;

/// <summary>How a persistence id maps to a StateVault system name (to find its snapshots with <c>statevault list</c>, <c>show</c>, <c>verify</c>).</summary>
public static class StateVaultSnapshotStoreNames
{
    /// <summary>
    /// <c>&lt;prefix&gt;.&lt;persistence id&gt;</c>, escaped and hashed when longer than 64 characters as <see cref="SystemNameEncoder.Encode"/>
    /// describes: <c>order-42</c> → <c>akka.order-42</c>, <c>Order/42</c> → <c>akka._4frder_2f42</c>. Different ids never share a name.
    /// </summary>
    public static string GetSystemName(string prefix, string persistenceId)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        return SystemNameEncoder.Encode(prefix, persistenceId);
    }
}
