namespace StateVault.Retention;

/// <summary>The decision for one snapshot.</summary>
/// <param name="Sequence">The snapshot.</param>
/// <param name="CreatedUtc">When it was created (<see langword="null"/> when it could not be read).</param>
/// <param name="Keep">Whether it stays.</param>
/// <param name="Reasons">Why: the rules that keep it, or why it goes.</param>
public sealed record RetentionDecision(long Sequence, DateTimeOffset? CreatedUtc, bool Keep, IReadOnlyList<string> Reasons);

/// <summary>What a retention policy keeps and removes in one system.</summary>
/// <param name="System">The system.</param>
/// <param name="Decisions">One decision per snapshot, newest first.</param>
public sealed record RetentionPlan(string System, IReadOnlyList<RetentionDecision> Decisions)
{
    /// <summary>The snapshots that stay.</summary>
    public IEnumerable<RetentionDecision> Kept => Decisions.Where(d => d.Keep);

    /// <summary>The snapshots that go.</summary>
    public IEnumerable<RetentionDecision> Removed => Decisions.Where(d => !d.Keep);
}
