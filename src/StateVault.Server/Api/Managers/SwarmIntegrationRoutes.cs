using StateVault.Managers.Swarm;
using StateVault.Server.Access;

namespace StateVault.Server.Api.Managers;

/// <summary><c>/api/managers/swarm_integration/…</c>: agents, coordination tasks, messages and integration metrics.</summary>
internal static class SwarmIntegrationRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/managers/swarm_integration").WithTags("managers: swarm_integration");
        group.MapGet("/agents", (SwarmIntegrationManager m) => TypedResults.Ok(m.State.Agents.Values)).WithSummary("Every agent.");
        group.MapPost("/agents", (AgentRequest body, SwarmIntegrationManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.RegisterAgentAsync(body.Name, body.Capabilities ?? [], ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Registers an agent.");
        group.MapPost("/agents/{id}/integrate", (string id, SwarmIntegrationManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.IntegrateAgentAsync(id, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Integrates an agent.");
        group.MapPut("/agents/{id}/status", (string id, AgentStatusRequest body, SwarmIntegrationManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.UpdateAgentStatusAsync(id, body.Status, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Sets an agent's status.");
        group.MapDelete("/agents/{id}", async (string id, SwarmIntegrationManager m, CancellationToken ct) =>
                ManagerOperation.NoContentOrNotFound(await m.RemoveAgentAsync(id, ct).ConfigureAwait(false), "agent", id))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Removes an agent.");
        group.MapGet("/tasks", (SwarmIntegrationManager m) => TypedResults.Ok(m.State.CoordinationTasks.Values)).WithSummary("Coordination tasks with per-agent results.");
        group.MapPost("/tasks", (TaskRequest body, SwarmIntegrationManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.CreateTaskAsync(body.Description, body.AgentIds, body.Capability, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Creates a coordination task over agents (given, or by capability).");
        group.MapPost("/tasks/{id}/results", (string id, TaskResultRequest body, SwarmIntegrationManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.RecordTaskResultAsync(id, body.AgentId, body.Success, body.Output, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Records one agent's result of a task.");
        group.MapGet("/messages", (string? agentId, SwarmIntegrationManager m) => TypedResults.Ok(m.GetMessages(agentId))).WithSummary("Message history (?agentId=).");
        group.MapPost("/messages", (MessageRequest body, SwarmIntegrationManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.SendMessageAsync(body.From, body.To, body.Type, body.Content, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Sends a message between agents.");
        group.MapGet("/metrics", (SwarmIntegrationManager m) => TypedResults.Ok(m.GetMetrics())).WithSummary("Integration status and metrics.");
    }

    internal sealed record AgentRequest(string Name, List<string>? Capabilities);

    internal sealed record AgentStatusRequest(AgentStatus Status);

    internal sealed record TaskRequest(string Description, List<string>? AgentIds = null, string? Capability = null);

    internal sealed record TaskResultRequest(string AgentId, bool Success, string? Output = null);

    internal sealed record MessageRequest(string From, string To, string Type, string Content);
}
