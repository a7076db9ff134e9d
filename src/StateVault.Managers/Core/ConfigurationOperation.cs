using System.Collections.Immutable;

namespace StateVault.Managers.Core;

/// <summary>A configuration value was set or removed.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Key">The key.</param>
/// <param name="Action"><c>set</c> or <c>remove</c>.</param>
/// <param name="OldValue">The value before.</param>
/// <param name="NewValue">The value after.</param>
/// <param name="Source"><c>configuration</c> (at start) or <c>runtime</c>.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Keys">Every key it touched, when it touched several (imported <c>load_configuration</c>).</param>
/// <param name="Success">Whether it succeeded, when recorded.</param>
public sealed record ConfigurationOperation(string Id, string Key, string Action, string? OldValue, string? NewValue, string Source, DateTimeOffset Timestamp, ImmutableList<string>? Keys = null, bool? Success = null);
