namespace StateVault.Hosting;

/// <summary>
/// Optional: names the typed state record of each system, so snapshots written by the host record its state type and
/// schema version (see <see cref="SnapshotSchemaAttribute"/>) instead of plain <c>json</c> version 1.
/// </summary>
public interface IManagedStateTypes
{
    /// <summary>The state record type of <paramref name="system"/>.</summary>
    Type GetStateType(string system);
}
