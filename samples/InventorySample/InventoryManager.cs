using System.Collections.Immutable;
using StateVault;
using StateVault.Managers;                       // ManagerBase, ManagerContext, StateCell

namespace InventorySample;

public sealed record InventoryState(ImmutableDictionary<string, int> Stock, [property: Sensitive] string? SupplierToken = null);

public sealed class InventoryManager : ManagerBase
{
    private readonly StateCell<InventoryState> _state;

    public InventoryManager(ManagerContext context) : base("inventory", context) =>
        _state = AddSystem("inventory", new InventoryState(ImmutableDictionary<string, int>.Empty));   // restored at start

    // Returns once a snapshot holding the change is durable: it survives kill -9 from then on.
    public Task<int> AddAsync(string item, int count, CancellationToken cancellationToken = default) => RunAsync("add", ct => _state.UpdateAsync(s =>
        (s with { Stock = s.Stock.SetItem(item, s.Stock.GetValueOrDefault(item) + count) }, s.Stock.GetValueOrDefault(item) + count), ct), cancellationToken);

    protected override void AddSummary(IDictionary<string, object?> summary) => summary["items"] = _state.Value.Stock.Count;   // dashboard figures
}
