using System.Text.Json;
using System.Text.Json.Nodes;
using StateVault.Hosting;

namespace StateVault.Hosting.Tests;

/// <summary>A minimal managed component: one counter per system.</summary>
internal sealed class CounterComponent(IStatePersistence persistence) : IManagedComponent, IManagedLifecycle
{
    public const string SystemA = "counter_a";
    public const string SystemB = "counter_b";

    private readonly Dictionary<string, int> _counts = new() { [SystemA] = 0, [SystemB] = 0 };
    private readonly Lock _lock = new();

    public string Name => "counter";

    public IReadOnlyList<string> Systems { get; } = [SystemA, SystemB];

    public string Status { get; private set; } = "offline";

    public int? CountWhenStarted { get; private set; }

    public bool Stopped { get; private set; }

    public IReadOnlyDictionary<string, object?> Summary => new Dictionary<string, object?> { ["a"] = Count(SystemA), ["b"] = Count(SystemB) };

    public int Count(string system)
    {
        lock (_lock)
        {
            return _counts[system];
        }
    }

    public void Increment(string system)
    {
        lock (_lock)
        {
            _counts[system]++;
        }

        persistence.MarkChanged(this, system);
    }

    /// <summary>Increments and returns when the change is durable (or at once in deferred mode).</summary>
    public async Task IncrementDurablyAsync(string system, CancellationToken cancellationToken)
    {
        Increment(system);
        await persistence.WaitDurableAsync(this, system, cancellationToken);
    }

    public JsonNode CaptureState(string system) => new JsonObject { ["count"] = Count(system) };

    public Task AdoptAsync(string system, JsonSnapshot snapshot, CancellationToken cancellationToken)
    {
        var node = JsonNode.Parse(snapshot.Json.Span)!.AsObject();
        if (node.ContainsKey("poison"))
        {
            throw new JsonException("this snapshot cannot be adopted");
        }

        Status = "recovering";
        lock (_lock)
        {
            _counts[system] = node["count"]!.GetValue<int>();
        }

        return Task.CompletedTask;
    }

    public Task SaveNowAsync(CancellationToken cancellationToken) => persistence.SaveNowAsync(this, cancellationToken);

    public Task StartWorkAsync(CancellationToken cancellationToken)
    {
        CountWhenStarted = Count(SystemA);
        Status = "online";
        return Task.CompletedTask;
    }

    public Task StopWorkAsync(CancellationToken cancellationToken)
    {
        Stopped = true;
        Status = "offline";
        return Task.CompletedTask;
    }
}
