// PENDING CONTRACTS — exact copies of the cross-part interfaces fixed in the lead's interfaces brief.
// They live here only until the StateVault.Hosting / StateVault.Managers assemblies are merged into this branch;
// then this single file is deleted and the server compiles against the real declarations unchanged.

namespace StateVault.Hosting
{
    using System.Text.Json.Nodes;

    /// <summary>A component whose state the host restores at start, autosaves, and the server shows and operates.</summary>
    public interface IManagedComponent
    {
        /// <summary>The manager name as in <c>GET /api/managers</c>, e.g. <c>health_thresholds</c>.</summary>
        string Name { get; }

        /// <summary>The systems it owns (<c>ai_ml_core</c> owns <c>ai_ml_core</c> and <c>ai_ml_models</c>).</summary>
        IReadOnlyList<string> Systems { get; }

        /// <summary>One of offline, initializing, online, busy, idle, error, recovering, maintenance, shutting_down.</summary>
        string Status { get; }

        /// <summary>The live state of one of its systems, exactly as it would be saved.</summary>
        JsonNode CaptureState(string system);

        /// <summary>After a restore: become the state of <paramref name="snapshot"/> now.</summary>
        Task AdoptAsync(string system, JsonSnapshot snapshot, CancellationToken cancellationToken);

        /// <summary>Saves every dirty system; returns when the saves are acknowledged.</summary>
        Task SaveNowAsync(CancellationToken cancellationToken);

        /// <summary>Main figures for the dashboard (active alerts, thresholds, agents, …).</summary>
        IReadOnlyDictionary<string, object?> Summary { get; }
    }

    /// <summary>The managers running in this process.</summary>
    public interface IManagerRegistry
    {
        /// <summary>Every manager.</summary>
        IReadOnlyList<IManagedComponent> Managers { get; }

        /// <summary>The manager with this name, or <see langword="null"/>.</summary>
        IManagedComponent? FindByName(string name);

        /// <summary>The manager that owns this system, or <see langword="null"/>.</summary>
        IManagedComponent? FindBySystem(string system);

        /// <summary>Raised after a manager's state changed or was saved (for server-sent events).</summary>
        event EventHandler<ManagedStateChangedEventArgs>? StateChanged;
    }

    /// <summary>Which manager and system changed.</summary>
    /// <param name="name">The manager's name.</param>
    /// <param name="system">The system whose state changed.</param>
    public sealed class ManagedStateChangedEventArgs(string name, string system) : EventArgs
    {
        /// <summary>The manager's name.</summary>
        public string Name { get; } = name;

        /// <summary>The system whose state changed.</summary>
        public string System { get; } = system;
    }
}

namespace StateVault.Managers.ApiKeys
{
    /// <summary>What a server access key may do.</summary>
    public enum AccessRole
    {
        /// <summary>Read (GET) routes.</summary>
        Reader = 1,

        /// <summary>Reader, plus save, restore and manager operations.</summary>
        Writer = 2,

        /// <summary>Writer, plus delete, prune and key management.</summary>
        Admin = 3,
    }

    /// <summary>What is known about an access key (never the key itself).</summary>
    /// <param name="Id">The key's id (12 lowercase hex digits).</param>
    /// <param name="Role">Its role.</param>
    /// <param name="CreatedUtc">When it was created.</param>
    /// <param name="Revoked">Whether it was revoked.</param>
    /// <param name="Description">A free-form description.</param>
    public sealed record AccessKeyInfo(string Id, AccessRole Role, DateTimeOffset CreatedUtc, bool Revoked, string? Description);

    /// <summary>A newly created key.</summary>
    /// <param name="Info">Its metadata.</param>
    /// <param name="Key">The key (<c>svk_&lt;id&gt;_&lt;secret&gt;</c>); shown once, never stored.</param>
    public sealed record CreatedAccessKey(AccessKeyInfo Info, string Key);

    /// <summary>Server access keys, stored only as salted hashes.</summary>
    public interface IAccessKeyRegistry
    {
        /// <summary>Creates a key; it is persisted (acknowledged) before this returns.</summary>
        Task<CreatedAccessKey> CreateAccessKeyAsync(AccessRole role, string? description, CancellationToken cancellationToken = default);

        /// <summary>Constant-time comparison of salted hashes; <see langword="null"/> when unknown or revoked.</summary>
        AccessKeyInfo? ValidateAccessKey(string presentedKey);

        /// <summary>Every key's metadata.</summary>
        IReadOnlyList<AccessKeyInfo> ListAccessKeys();

        /// <summary>Revokes a key; <see langword="false"/> when unknown.</summary>
        Task<bool> RevokeAccessKeyAsync(string id, CancellationToken cancellationToken = default);
    }
}
