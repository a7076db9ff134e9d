namespace StateVault;

/// <summary>
/// Declares the schema version of a state type (and optionally a stable name for it). Snapshots record the version;
/// older ones are brought up to date on load by the upcasters registered in <see cref="Schema.UpcasterRegistry"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class SnapshotSchemaAttribute : Attribute
{
    /// <summary>Declares the version.</summary>
    /// <param name="version">The current schema version, 1 or more.</param>
    public SnapshotSchemaAttribute(int version)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        Version = version;
    }

    /// <summary>The current schema version of the type.</summary>
    public int Version { get; }

    /// <summary>A stable name recorded in snapshot headers instead of the CLR type name.</summary>
    /// <value>The type's name.</value>
    public string? Name { get; init; }
}
