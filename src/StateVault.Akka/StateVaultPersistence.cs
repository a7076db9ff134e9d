using Akka.Configuration;

namespace StateVault.Akka;

/// <summary>The StateVault snapshot store's HOCON defaults.</summary>
public static class StateVaultPersistence
{
    /// <summary>The HOCON path of the plugin.</summary>
    public const string SnapshotStorePath = "akka.persistence.snapshot-store.statevault";

    private static readonly Lazy<Config> s_default = new(() =>
        ConfigurationFactory.FromResource("StateVault.Akka.reference.conf", typeof(StateVaultPersistence).Assembly));

    /// <summary>
    /// The defaults of <c>akka.persistence.snapshot-store.statevault</c> (class, dispatcher, retention, secret policy, compression,
    /// store providers). Add it as a fallback to an ActorSystem's configuration, then set only <c>store</c> and <c>plugin</c>.
    /// </summary>
    public static Config DefaultConfiguration() => s_default.Value;
}
