using System.Collections.Immutable;
using System.Text.Json;

namespace StateVault.Managers.AiMlCore;

/// <summary>A change to the model registry.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="ModelId">The model record's id.</param>
/// <param name="Action"><c>registered</c>, <c>status_changed</c> or <c>deleted</c>.</param>
/// <param name="Status">The status afterwards.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Provider">The provider, when recorded (imported registrations).</param>
/// <param name="ProviderModelId">The provider's model id, when recorded.</param>
/// <param name="Version">The version, when recorded.</param>
/// <param name="Info">The values registered with it, when recorded (imported: the original's <c>model_info</c>).</param>
public sealed record ModelRegistration(string Id, string ModelId, string Action, ModelStatus? Status, DateTimeOffset Timestamp, string? Provider = null, string? ProviderModelId = null, string? Version = null, ImmutableSortedDictionary<string, JsonElement>? Info = null);
