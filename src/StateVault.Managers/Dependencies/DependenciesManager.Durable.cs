namespace StateVault.Managers.Dependencies;

/// <content>The durable variants of the operations: each returns once its change is in a durable snapshot.</content>
public sealed partial class DependenciesManager
{
    /// <summary><see cref="Declare"/>, acknowledged once durable.</summary>
    public Task<DependencyRecord> DeclareAsync(string name, DependencyKind kind, string target, bool critical = false, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => Declare(name, kind, target, critical), cancellationToken);

    /// <summary><see cref="Undeclare"/>, acknowledged once durable.</summary>
    public Task<bool> UndeclareAsync(string name, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => Undeclare(name), cancellationToken);
}
