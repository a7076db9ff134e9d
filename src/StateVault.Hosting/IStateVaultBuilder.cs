namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Returned by <c>AddStateVault</c>: registers managers on the same service collection.</summary>
public interface IStateVaultBuilder
{
    /// <summary>The service collection.</summary>
    IServiceCollection Services { get; }
}
