namespace StateVault.Managers.AiMlCore;

/// <summary>A change to the model registry.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="ModelId">The model record's id.</param>
/// <param name="Action"><c>registered</c>, <c>status_changed</c> or <c>deleted</c>.</param>
/// <param name="Status">The status afterwards.</param>
/// <param name="Timestamp">When.</param>
public sealed record ModelRegistration(string Id, string ModelId, string Action, ModelStatus? Status, DateTimeOffset Timestamp);
