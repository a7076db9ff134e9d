using System.Text.Json;
using System.Text.Json.Nodes;
using StateVault.Hosting;
using StateVault.Schema;
using StateVault.Secrets;

namespace StateVault.Managers;

/// <summary>
/// Holds the immutable state record of one system. Every change goes through <see cref="UpdateAsync"/> (acknowledged once a
/// snapshot holding it is durable) or <see cref="Update"/> (in memory; stored by the debounced autosave), which swap the
/// record under a lock and mark the system dirty with the host's persistence.
/// </summary>
/// <typeparam name="TState">The state record.</typeparam>
public sealed class StateCell<TState> : IStateCell
    where TState : class
{
    private readonly ManagerBase _owner;
    private readonly Func<TState, TState>? _normalize;
    private readonly Lock _gate = new();
    private TState _value;

    internal StateCell(ManagerBase owner, string system, TState initial, Func<TState, TState>? normalize)
    {
        _owner = owner;
        System = SystemName.Validate(system);
        _normalize = normalize;
        _value = normalize is null ? initial : normalize(initial);
    }

    /// <summary>The system.</summary>
    public string System { get; }

    /// <summary>The current state.</summary>
    public TState Value => Volatile.Read(ref _value);

    /// <inheritdoc />
    public Type StateType => typeof(TState);

    /// <summary>
    /// Replaces the state with <paramref name="change"/>'s result and returns once a snapshot holding it is durable on the store
    /// (under <see cref="StateVaultDurability.Durable"/>, the default; at once under <see cref="StateVaultDurability.Deferred"/>).
    /// Changes made while a save of the system is in flight are stored together by the next save (group commit).
    /// </summary>
    /// <returns>The new state.</returns>
    /// <exception cref="SecretDetectedException">The new state holds a secret-looking value; nothing changed.</exception>
    /// <exception cref="StateVaultException">
    /// The store failed or did not answer within <see cref="StateVaultHostingOptions.DurableAckTimeout"/>: the change is not
    /// acknowledged. It stays in memory (reads show it) and pending, and the background retry may still store it.
    /// </exception>
    public async Task<TState> UpdateAsync(Func<TState, TState> change, CancellationToken cancellationToken = default)
    {
        var generation = _owner.Context.Persistence.GetGeneration(System);
        var next = Update(change);
        await _owner.Context.Persistence.WaitDurableAsync(_owner, System, generation, cancellationToken).ConfigureAwait(false);
        return next;
    }

    /// <summary>Replaces the state and returns a result computed from the same old state, once durable (see <see cref="UpdateAsync(Func{TState, TState}, CancellationToken)"/>).</summary>
    public async Task<TResult> UpdateAsync<TResult>(Func<TState, (TState State, TResult Result)> change, CancellationToken cancellationToken = default)
    {
        var generation = _owner.Context.Persistence.GetGeneration(System);
        var result = Update(change);
        await _owner.Context.Persistence.WaitDurableAsync(_owner, System, generation, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Replaces the state with <paramref name="change"/>'s result in memory and marks the system dirty (unless the same instance
    /// comes back); the debounced autosave stores it later, so a crash before then loses it. Use <see cref="UpdateAsync(Func{TState, TState}, CancellationToken)"/>
    /// when the caller is told the change is done.
    /// </summary>
    /// <returns>The new state.</returns>
    public TState Update(Func<TState, TState> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return Update(state =>
        {
            var next = change(state);
            return (next, next);
        });
    }

    /// <summary>Replaces the state in memory and returns a result computed from the same old state, atomically (see <see cref="Update(Func{TState, TState})"/>).</summary>
    public TResult Update<TResult>(Func<TState, (TState State, TResult Result)> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        bool changed;
        TResult result;
        lock (_gate)
        {
            var current = _value;
            (var next, result) = change(current);
            ArgumentNullException.ThrowIfNull(next, nameof(change));
            changed = !ReferenceEquals(next, current);
            if (changed)
            {
                RejectSecrets(next);
                Volatile.Write(ref _value, next);
            }
        }

        if (changed)
        {
            // After the swap: the saver reads the change count before it captures, so this change is never missed.
            _owner.Context.Persistence.MarkChanged(_owner, System);
        }

        return result;
    }

    /// <inheritdoc />
    public JsonNode Capture() =>
        JsonSerializer.SerializeToNode(Value, _owner.Context.Vault.JsonOptions) ?? new JsonObject();

    /// <summary>
    /// Under the reject policy, a state with a secret-looking value would be refused by every later save, so it is refused
    /// here instead: the operation fails, the state stays as it was, and live and saved state never part.
    /// </summary>
    private void RejectSecrets(TState next)
    {
        var vault = _owner.Context.Vault;
        if (vault.Options.SecretPolicy != SecretPolicy.Reject)
        {
            return;
        }

        var findings = SecretScanner.Scan(JsonSerializer.SerializeToUtf8Bytes(next, vault.JsonOptions));
        if (findings.Count > 0)
        {
            throw new SecretDetectedException(System, findings);
        }
    }

    /// <inheritdoc />
    public async Task AdoptAsync(JsonSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        TState? state;
        if (snapshot.Metadata.SchemaVersion == UpcasterRegistry.GetVersion(typeof(TState)))
        {
            state = JsonSerializer.Deserialize<TState>(snapshot.Json.Span, _owner.Context.Vault.JsonOptions);
        }
        else
        {
            // Another schema version: the engine upcasts (or refuses a newer one), so the host falls back to an older snapshot.
            var loaded = await _owner.Context.Vault.LoadAsync<TState>(System, snapshot.Metadata.Sequence, cancellationToken).ConfigureAwait(false);
            state = loaded?.State;
        }

        if (state is null)
        {
            throw new JsonException($"Snapshot {snapshot.Metadata.Sequence} of {System} holds no {typeof(TState).Name}.");
        }

        if (_normalize is not null)
        {
            state = _normalize(state);
        }

        lock (_gate)
        {
            Volatile.Write(ref _value, state);
        }
    }
}
