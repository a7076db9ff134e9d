using System.Collections.Immutable;

namespace StateVault.Managers.Swarm;

/// <summary>An integration operation of the original system: the integration initialized, or an agent integrated.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Operation">The original's operation name: <c>initialize_integration</c>, <c>integrate_agent</c>, ….</param>
/// <param name="Timestamp">When.</param>
/// <param name="Success">Whether it succeeded, when recorded.</param>
/// <param name="AgentId">The agent integrated, when one was.</param>
/// <param name="AgentName">Its name, when recorded.</param>
/// <param name="Capabilities">Its capabilities, when recorded.</param>
/// <param name="Status">The integration status it reported (<c>initialize_integration</c>).</param>
/// <param name="IntegrationActive">Whether the integration was active afterwards, when recorded.</param>
public sealed record IntegrationOperation(
    string Id,
    string Operation,
    DateTimeOffset Timestamp,
    bool? Success,
    string? AgentId = null,
    string? AgentName = null,
    ImmutableList<string>? Capabilities = null,
    string? Status = null,
    bool? IntegrationActive = null);
