namespace StateVault.Managers.Core;

/// <summary>A component as registered and as it is now.</summary>
/// <param name="Name">Name.</param>
/// <param name="Type">Type.</param>
/// <param name="Order">Start order.</param>
/// <param name="Status">The live status, or the last recorded one when the component is not running in this host.</param>
/// <param name="Live">Whether the component runs in this host.</param>
public sealed record ComponentStatus(string Name, string Type, int Order, string Status, bool Live);
