using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using StateVault.Hosting;

namespace StateVault.Server.Tests.Support;

/// <summary>TEST DOUBLE of a manager: holds a JSON state per system, records adoptions and save requests.</summary>
public sealed class FakeManagedComponent(string name, params string[] systems) : IManagedComponent
{
    private readonly ConcurrentDictionary<string, JsonNode> _state = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public IReadOnlyList<string> Systems { get; } = systems;

    public string Status { get; set; } = "online";

    public Dictionary<string, object?> Figures { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, object?> Summary => Figures;

    public ConcurrentQueue<(string System, JsonSnapshot Snapshot)> Adopted { get; } = new();

    public int SaveRequests;

    /// <summary>When set, <see cref="SaveNowAsync"/> saves every system's state through this vault.</summary>
    public SnapshotVault? Vault { get; set; }

    public void SetState(string system, JsonNode state) => _state[system] = state;

    public JsonNode CaptureState(string system) =>
        _state.TryGetValue(system, out var state) ? state.DeepClone() : new JsonObject();

    public Task AdoptAsync(string system, JsonSnapshot snapshot, CancellationToken cancellationToken)
    {
        _state[system] = JsonNode.Parse(snapshot.Json.Span) ?? new JsonObject();
        Adopted.Enqueue((system, snapshot));
        return Task.CompletedTask;
    }

    public async Task SaveNowAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref SaveRequests);
        if (Vault is not null)
        {
            foreach (var system in Systems)
            {
                await Vault.SaveJsonAsync(system, System.Text.Encoding.UTF8.GetBytes(CaptureState(system).ToJsonString()), cancellationToken: cancellationToken);
            }
        }
    }
}
