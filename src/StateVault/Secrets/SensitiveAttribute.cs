namespace StateVault;

/// <summary>
/// Marks a property or field that must never reach storage: it is left out of serialization entirely,
/// so a restored state has its default value there.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false, Inherited = true)]
public sealed class SensitiveAttribute : Attribute;
