using Microsoft.Extensions.Logging;

namespace StateVault.Storage;

/// <summary>Opens stores for the URI schemes it knows (one syntax everywhere: CLI <c>--store</c>, config <c>StateVault:Store</c>, env <c>STATEVAULT_STORE</c>).</summary>
/// <remarks>Implementers must reject a malformed URI with an <see cref="ArgumentException"/> whose message never contains a password.</remarks>
public interface ISnapshotStoreProvider
{
    /// <summary>The URI schemes handled, lowercase, without the colon (e.g. <c>sqlite</c>).</summary>
    IReadOnlyList<string> Schemes { get; }

    /// <summary>Opens a store for <paramref name="uri"/>.</summary>
    ISnapshotStore Open(string uri, ILoggerFactory loggerFactory, TimeProvider timeProvider);
}
