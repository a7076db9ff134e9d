using StateVault.Managers;

namespace StateVault.DurableChild;

/// <summary>The state: one counter.</summary>
[SnapshotSchema(1, Name = "durable_counter")]
internal sealed record CounterState(long Count);

/// <summary>One system, changed only through the awaited durable path.</summary>
internal sealed class CounterManager : ManagerBase
{
    public const string SystemName = "durable_counter";

    private readonly StateCell<CounterState> _state;

    public CounterManager(ManagerContext context)
        : base(SystemName, context) => _state = AddSystem(SystemName, new CounterState(0));

    public long Count => _state.Value.Count;

    public Task<long> IncrementAsync(CancellationToken cancellationToken) =>
        _state.UpdateAsync(s => (s with { Count = s.Count + 1 }, s.Count + 1), cancellationToken);

    protected override void AddSummary(IDictionary<string, object?> summary) => summary["count"] = Count;
}
