using StateVault.Managers.ApiKeys;
using StateVault.Server.Diagnostics;

namespace StateVault.Server.Api;

/// <summary>A system as <c>GET /api/systems</c> shows it: the engine's summary, the owning manager and save figures.</summary>
internal sealed record SystemInfo(
    string Name,
    long LatestSequence,
    int Count,
    long Bytes,
    DateTimeOffset? LastSavedUtc,
    DateTimeOffset? OldestUtc,
    int Damaged,
    string? Manager,
    SaveStats Saves);

/// <summary>A manager as <c>GET /api/managers</c> shows it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="System">Its (first) system.</param>
/// <param name="Systems">Every system it owns.</param>
/// <param name="Status">Its status.</param>
/// <param name="Health"><c>healthy</c>, <c>degraded</c> or <c>unhealthy</c>, from the status.</param>
/// <param name="Summary">Its main figures.</param>
internal sealed record ManagerInfo(string Name, string System, IReadOnlyList<string> Systems, string Status, string Health, IReadOnlyDictionary<string, object?> Summary)
{
    /// <summary>With ownership by lease on: the instance that owns the manager's (first) system, as this instance knows it.</summary>
    public ManagerOwner? Owner { get; init; }

    /// <summary>When that owner took the lease.</summary>
    public DateTimeOffset? OwnerSince { get; init; }
}

/// <summary>The instance owning a manager's system: its id, advertised URL, and whether it is the instance answering.</summary>
internal sealed record ManagerOwner(string InstanceId, string? Url, bool Self);

/// <summary>Body of <c>POST /api/keys</c>.</summary>
internal sealed record CreateKeyRequest(AccessRole Role, string? Description);

/// <summary>The result of <c>POST /api/verify</c>.</summary>
internal sealed record VerifyResult(bool Healthy, int Checked, IReadOnlyList<SnapshotListing> Damaged);

/// <summary>The result of <c>POST /api/prune</c>.</summary>
internal sealed record PruneSummary(bool DryRun, int RemovedCount, IReadOnlyList<PrunedSystem> Systems, IReadOnlyList<SnapshotListing> Quarantined);

/// <summary>One system's part of a prune.</summary>
internal sealed record PrunedSystem(string System, IReadOnlyList<long> Kept, IReadOnlyList<PrunedSnapshot> Removed);

/// <summary>A snapshot a prune removed (or would remove), and why.</summary>
internal sealed record PrunedSnapshot(long Sequence, IReadOnlyList<string> Reasons);

/// <summary>Body of <c>GET /api/whoami</c>.</summary>
internal sealed record WhoAmI(string KeyId, AccessRole Role);
