using System.Text.Json.Nodes;

namespace StateVault.Hosting;

/// <summary>A component whose state the host restores at start, autosaves, and the server shows and operates.</summary>
public interface IManagedComponent
{
    /// <summary>The manager name as in <c>GET /api/managers</c>, e.g. <c>health_thresholds</c>.</summary>
    string Name { get; }

    /// <summary>The systems it owns (AI/ML core owns <c>ai_ml_core</c> and <c>ai_ml_models</c>).</summary>
    IReadOnlyList<string> Systems { get; }

    /// <summary>One of <c>offline</c>, <c>initializing</c>, <c>online</c>, <c>busy</c>, <c>idle</c>, <c>error</c>, <c>recovering</c>, <c>maintenance</c>, <c>shutting_down</c>.</summary>
    string Status { get; }

    /// <summary>The live state of <paramref name="system"/>, exactly as it would be saved.</summary>
    JsonNode CaptureState(string system);

    /// <summary>After a restore: become the state of <paramref name="snapshot"/> now.</summary>
    /// <remarks>Implementers throw (for example <see cref="System.Text.Json.JsonException"/>) when the snapshot cannot be adopted; the host then falls back to an older snapshot.</remarks>
    Task AdoptAsync(string system, JsonSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Saves every dirty system; returns when the store has acknowledged it.</summary>
    Task SaveNowAsync(CancellationToken cancellationToken);

    /// <summary>Main figures for the dashboard (active alerts, thresholds, agents, …).</summary>
    IReadOnlyDictionary<string, object?> Summary { get; }
}
