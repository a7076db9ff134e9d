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

    public int Add(string item, int count) => Run("add", () => _state.Update(s =>
        (s with { Stock = s.Stock.SetItem(item, s.Stock.GetValueOrDefault(item) + count) }, s.Stock.GetValueOrDefault(item) + count)));

    protected override void AddSummary(IDictionary<string, object?> summary) => summary["items"] = _state.Value.Stock.Count;   // dashboard figures
}
