namespace StateVault.Hosting;

/// <summary>When an awaited state change (<c>StateCell.UpdateAsync</c>, a manager's <c>…Async</c> operation) is acknowledged.</summary>
public enum StateVaultDurability
{
    /// <summary>
    /// Only once a snapshot holding the change is durable on the store (group commit per system: changes made while a save
    /// is in flight are covered together by the next save). An acknowledged change survives <c>kill -9</c>.
    /// </summary>
    Durable = 0,

    /// <summary>
    /// As soon as the change is in memory; the debounced autosave (<see cref="StateVaultHostingOptions.AutosaveDebounce"/>,
    /// <see cref="StateVaultHostingOptions.AutosaveMaxInterval"/>) stores it later. A crash loses the changes of up to that
    /// long. Chosen explicitly by callers who prefer throughput to durability.
    /// </summary>
    Deferred = 1,
}
