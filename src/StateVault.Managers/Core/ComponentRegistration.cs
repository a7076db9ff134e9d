namespace StateVault.Managers.Core;

/// <summary>A component was registered or unregistered.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Component">The component.</param>
/// <param name="Type">Its type.</param>
/// <param name="Action"><c>register</c> or <c>unregister</c>.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Success">Whether it succeeded, when recorded (imported registrations).</param>
public sealed record ComponentRegistration(string Id, string Component, string Type, string Action, DateTimeOffset Timestamp, bool? Success = null);
