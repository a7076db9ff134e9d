namespace StateVault.Managers.Swarm;

/// <summary>A message between agents (or from the coordinator).</summary>
/// <param name="Id">Unique id.</param>
/// <param name="From">Sender agent id (or <c>coordinator</c>).</param>
/// <param name="To">Recipient agent id (or <c>*</c> for all).</param>
/// <param name="Type">Message type, e.g. <c>task_update</c>.</param>
/// <param name="Content">The content; secret-looking values are replaced with <c>[REDACTED:&lt;kind&gt;:…]</c>.</param>
/// <param name="Timestamp">When it was sent.</param>
/// <param name="Redacted">Whether something was redacted from the content.</param>
/// <param name="Success">Whether sending succeeded, when recorded (imported messages).</param>
public sealed record SwarmMessage(string Id, string From, string To, string Type, string Content, DateTimeOffset Timestamp, bool Redacted, bool? Success = null);
