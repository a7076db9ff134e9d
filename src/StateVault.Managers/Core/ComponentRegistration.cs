namespace StateVault.Managers.Core;

/// <summary>A component was registered or unregistered.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Component">The component.</param>
/// <param name="Type">Its type.</param>
/// <param name="Action"><c>register</c> or <c>unregister</c>.</param>
/// <param name="Timestamp">When.</param>
public sealed record ComponentRegistration(string Id, string Component, string Type, string Action, DateTimeOffset Timestamp);
