namespace StateVault.Managers.Core;

/// <content>The durable variants of the operations: each returns once its change is in a durable snapshot.</content>
public sealed partial class CoreManager
{
    /// <summary><see cref="RegisterComponent"/>, acknowledged once durable.</summary>
    public Task<ComponentRecord> RegisterComponentAsync(string name, string type, string status = "offline", CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => RegisterComponent(name, type, status), cancellationToken);

    /// <summary><see cref="UnregisterComponent"/>, acknowledged once durable.</summary>
    public Task<bool> UnregisterComponentAsync(string name, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => UnregisterComponent(name), cancellationToken);

    /// <summary><see cref="SetConfig"/>, acknowledged once durable.</summary>
    public Task SetConfigAsync(string key, string value, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => SetConfig(key, value), cancellationToken);

    /// <summary><see cref="RemoveConfig"/>, acknowledged once durable.</summary>
    public Task<bool> RemoveConfigAsync(string key, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => RemoveConfig(key), cancellationToken);
}
