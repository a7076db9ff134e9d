using Akka.Configuration;
using StateVault.Retention;
using StateVault.Secrets;
using StateVault.Storage;

namespace StateVault.Akka;

/// <summary>The typed, validated settings of one StateVault snapshot store plugin, read from its HOCON section.</summary>
internal sealed record StateVaultSnapshotStoreSettings
{
    public required string Store { get; init; }

    public required string SystemPrefix { get; init; }

    public required SnapshotVaultOptions Vault { get; init; }

    public required IReadOnlyList<string> StoreProviders { get; init; }

    /// <summary>Reads and validates a plugin section (missing keys come from <see cref="StateVaultPersistence.DefaultConfiguration"/>).</summary>
    /// <exception cref="ConfigurationException">A setting is missing or invalid; the message names it.</exception>
    public static StateVaultSnapshotStoreSettings Create(Config? config)
    {
        var section = (config ?? Config.Empty).WithFallback(StateVaultPersistence.DefaultConfiguration().GetConfig(StateVaultPersistence.SnapshotStorePath));
        var failures = new List<string>();

        var store = section.GetString("store", string.Empty)?.Trim() ?? string.Empty;
        if (store.Length == 0)
        {
            failures.Add("store is empty: set a StateVault store URI such as file:./data/snapshots or postgresql://user@host/db");
        }
        else
        {
            try
            {
                SnapshotStoreFactory.GetScheme(store);
            }
            catch (ArgumentException ex)
            {
                failures.Add($"store is not a store URI: {ex.Message}");
            }
        }

        var prefix = section.GetString("system-prefix", "akka");
        if (!SystemNameEncoder.IsValidPrefix(prefix))
        {
            failures.Add($"system-prefix must be 1-{SystemNameEncoder.MaxPrefixLength} characters from a-z, 0-9, '_', '-', starting with a letter or digit");
        }

        var vault = new SnapshotVaultOptions();
        try
        {
            var keepLast = section.GetInt("retention.keep-last", 5);
            var keepDaily = section.GetInt("retention.keep-daily", 0);
            var within = section.GetString("retention.keep-within", "off");
            vault.Retention = new RetentionPolicy
            {
                KeepLast = keepLast > 0 ? keepLast : null,
                KeepDaily = keepDaily > 0 ? keepDaily : null,
                KeepWithin = within is null or "" or "off" ? null : section.GetTimeSpan("retention.keep-within"),
            };
            if (keepLast < 0 || keepDaily < 0)
            {
                failures.Add("retention.keep-last and retention.keep-daily must be 0 (off) or more");
            }

            vault.SecretPolicy = section.GetString("secret-policy", "reject")?.ToLowerInvariant() switch
            {
                "reject" => SecretPolicy.Reject,
                "redact" => SecretPolicy.Redact,
                "off" => SecretPolicy.Off,
                var other => Fail(failures, $"secret-policy must be reject, redact or off (got '{other}')"),
            };
            vault.Compression.Codec = section.GetString("compression.codec", "zstd");
            var threshold = section.GetByteSize("compression.threshold") ?? 64 * 1024;
            vault.Compression.Threshold = threshold is >= 0 and <= int.MaxValue ? (int)threshold : 64 * 1024;
            vault.Validate();
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or ConfigurationException or InvalidCastException)
        {
            failures.Add(ex.Message);
        }

        if (failures.Count > 0)
        {
            throw new ConfigurationException($"Invalid StateVault snapshot store settings: {string.Join("; ", failures)}.");
        }

        return new StateVaultSnapshotStoreSettings
        {
            Store = store,
            SystemPrefix = prefix,
            Vault = vault,
            StoreProviders = [.. section.GetStringList("store-providers") ?? []],
        };
    }

    /// <summary>The providers named in <see cref="StoreProviders"/> whose assemblies are deployed.</summary>
    public IEnumerable<ISnapshotStoreProvider> LoadProviders()
    {
        foreach (var name in StoreProviders)
        {
            Type? type;
            try
            {
                type = Type.GetType(name, throwOnError: false);
            }
            catch (Exception ex) when (ex is FileLoadException or BadImageFormatException)
            {
                continue;
            }

            if (type is not null && typeof(ISnapshotStoreProvider).IsAssignableFrom(type))
            {
                yield return (ISnapshotStoreProvider)Activator.CreateInstance(type)!;
            }
        }
    }

    private static SecretPolicy Fail(List<string> failures, string message)
    {
        failures.Add(message);
        return SecretPolicy.Reject;
    }
}
