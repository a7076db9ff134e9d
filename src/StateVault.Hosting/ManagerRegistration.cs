namespace StateVault.Hosting;

/// <summary>A manager type registered with <c>AddManager&lt;T&gt;()</c>; the registry resolves it from the container.</summary>
internal sealed record ManagerRegistration(Type ManagerType);
