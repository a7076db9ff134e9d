using Orleans.Runtime;

namespace OrleansSample;

/// <summary>A counter whose state lives in StateVault: every <see cref="IncrementAsync"/> is a verified snapshot.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    /// <summary>Adds one and saves; returns the new count.</summary>
    Task<int> IncrementAsync();
}

/// <summary>The state: snake_case JSON in the store (<c>{"count":3,"last_increment_utc":"…"}</c>).</summary>
[GenerateSerializer]
public sealed class CounterState
{
    /// <summary>How many increments so far.</summary>
    [Id(0)]
    public int Count { get; set; }

    /// <summary>When the last one happened.</summary>
    [Id(1)]
    public DateTimeOffset? LastIncrementUtc { get; set; }
}

/// <inheritdoc cref="ICounterGrain" />
public sealed class CounterGrain([PersistentState("counter", "statevault")] IPersistentState<CounterState> state, TimeProvider time) : Grain, ICounterGrain
{
    /// <inheritdoc />
    public async Task<int> IncrementAsync()
    {
        state.State.Count++;
        state.State.LastIncrementUtc = time.GetUtcNow();
        await state.WriteStateAsync();
        return state.State.Count;
    }
}
