using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StateVault.Hosting;
using StateVault.Secrets;
using StateVault.Storage;

namespace StateVault.Managers.ApiKeys;

/// <summary>
/// API keys [<c>api_keys</c>]: provider keys (OpenAI, Anthropic) from environment variables, configuration or added at run time,
/// held in memory only; and the server's access keys (<see cref="IAccessKeyRegistry"/>), stored as salted hashes only.
/// </summary>
/// <remarks>
/// What is persisted about a provider key is its provider, a keyed fingerprint (HMAC-SHA-256 under a deployment secret that is
/// itself never stored in the vault: <see cref="ApiKeysOptions.FingerprintSecret"/>, or a random secret generated once into a file
/// beside a <c>file:</c> store; a shared store requires the secret to be configured), its last four characters, times, validation results and security checks. A plain hash of a key would let
/// anyone holding the snapshots test guesses offline; the keyed fingerprint does not without the deployment secret.
/// A key added at run time is gone after a restart (its record then validates as <c>missing</c>); keys from the environment or
/// configuration come back at start and match their records by fingerprint.
/// </remarks>
public sealed partial class ApiKeysManager : ManagerBase, IAccessKeyRegistry
{
    /// <summary>The manager and system name.</summary>
    public const string ManagerName = "api_keys";

    /// <summary>The prefix of server access keys.</summary>
    public const string AccessKeyPrefix = "svk_";

    private const string FingerprintFileName = ".statevault-fingerprint.key";
    private const int AccessKeyIdLength = 12;

    private readonly StateCell<ApiKeysState> _state;
    private readonly ConcurrentDictionary<string, ProviderKey> _keys = new(StringComparer.Ordinal);
    private readonly Lazy<byte[]> _fingerprintSecret;
    private readonly ApiKeysOptions _options;

    /// <summary>Creates the manager.</summary>
    public ApiKeysManager(ManagerContext context)
        : base(ManagerName, context)
    {
        _options = context.Options.ApiKeys;
        _state = AddSystem(ManagerName, new ApiKeysState(), Normalize);
        _fingerprintSecret = new Lazy<byte[]>(LoadFingerprintSecret, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The current state (no keys in it).</summary>
    public ApiKeysState State => _state.Value;

    /// <summary>
    /// The file the fingerprint secret is read from (and generated into, once, when missing): <see cref="ApiKeysOptions.FingerprintSecretFile"/>,
    /// or on a <c>file:</c> store a file beside the store root; <see langword="null"/> on other stores without that option.
    /// </summary>
    public string? FingerprintSecretPath => _options.FingerprintSecretFile ?? DefaultFingerprintSecretPath();

    /// <summary>Adds a provider key (held in memory only) and validates its format.</summary>
    /// <exception cref="ArgumentException">Unknown provider, or a key shorter than 8 characters (the message never holds the key).</exception>
    public ProviderKeyInfo AddProviderKey(string provider, string key, KeySource source = KeySource.Runtime) =>
        Run("add_provider_key", () => AddCore(provider, key, source, source == KeySource.Runtime ? "add" : "load"));

    /// <summary>Removes a provider key from memory and its record.</summary>
    /// <returns><see langword="false"/> when there was none.</returns>
    public bool RemoveProviderKey(string keyId) =>
        Run("remove_provider_key", () =>
        {
            _keys.TryRemove(keyId, out _);
            var now = Time.GetUtcNow();
            return _state.Update(state =>
            {
                if (keyId is null || !state.ProviderKeys.TryGetValue(keyId, out var record))
                {
                    return (state, false);
                }

                return (state with
                {
                    ProviderKeys = state.ProviderKeys.Remove(keyId),
                    KeyOperations = state.KeyOperations.AppendBounded(new KeyOperation(NewId("keyop"), "remove", record.Provider, keyId, true, null, now), Context.Options.HistoryLimit),
                }, true);
            });
        });

    /// <summary>Validates a provider key's format again (a key that is not in memory validates as <see cref="KeyValidationResult.Missing"/>).</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    public KeyValidationResult ValidateProviderKey(string keyId) =>
        Run("validate_provider_key", () =>
        {
            var now = Time.GetUtcNow();
            return _state.Update(state =>
            {
                if (keyId is null || !state.ProviderKeys.TryGetValue(keyId, out var record))
                {
                    throw new KeyNotFoundException($"No provider key '{keyId}'.");
                }

                var format = _keys.TryGetValue(keyId, out var key) ? ProviderKeyFormats.Match(record.Provider, key.Key) : null;
                var result = key is null ? KeyValidationResult.Missing : format is null ? KeyValidationResult.InvalidFormat : KeyValidationResult.Valid;
                var limit = Context.Options.HistoryLimit;
                return (state with
                {
                    ProviderKeys = state.ProviderKeys.SetItem(keyId, record with { LastValidated = now, ValidationResult = result, Format = format ?? record.Format }),
                    ValidationAttempts = state.ValidationAttempts.AppendBounded(new ValidationAttempt(NewId("valid"), keyId, record.Provider, result, format, now), limit),
                    KeyOperations = state.KeyOperations.AppendBounded(new KeyOperation(NewId("keyop"), "validate", record.Provider, keyId, result == KeyValidationResult.Valid, result.ToString(), now), limit),
                }, result);
            });
        });

    /// <summary>Hands out the newest valid key of a provider that is in memory, and records the request.</summary>
    /// <returns><see langword="null"/> when no valid key of that provider is in memory.</returns>
    public ProviderKey? RequestProviderKey(string provider, string requester, string purpose) =>
        Run("request_provider_key", () =>
        {
            var name = ProviderKeyFormats.Canonical(provider);
            ArgumentException.ThrowIfNullOrWhiteSpace(requester);
            var records = State.ProviderKeys.Values
                .Where(r => r.Provider == name && r.ValidationResult == KeyValidationResult.Valid && _keys.ContainsKey(r.Id))
                .OrderByDescending(r => r.CreatedAt)
                .ToList();
            var chosen = records.Count > 0 && _keys.TryGetValue(records[0].Id, out var key) ? key : null;
            var now = Time.GetUtcNow();
            var detail = SecretRedaction.Redact($"{requester}: {purpose}").Text;
            _state.Update(state => state with
            {
                KeyOperations = state.KeyOperations.AppendBounded(new KeyOperation(NewId("keyop"), "request", name, chosen?.Id, chosen is not null, detail.Length > 200 ? detail[..200] : detail, now), Context.Options.HistoryLimit),
            });
            return chosen;
        });

    /// <summary>The provider keys (records, and whether each key is in memory).</summary>
    public IReadOnlyList<ProviderKeyInfo> ListProviderKeys() =>
        [.. State.ProviderKeys.Values.OrderBy(r => r.CreatedAt).Select(r => new ProviderKeyInfo(r, _keys.ContainsKey(r.Id)))];

    /// <summary>Checks every provider key's age against the rotation period and whether it is in memory; records the results.</summary>
    public IReadOnlyList<SecurityCheck> RunSecurityChecks() =>
        Run("security_checks", () =>
        {
            var now = Time.GetUtcNow();
            var checks = State.ProviderKeys.Values.Select(r =>
            {
                var age = now - r.CreatedAt;
                return new SecurityCheck(NewId("sec"), r.Id, r.Provider, Math.Max(0, (int)age.TotalDays), age >= _options.RotationPeriod, _keys.ContainsKey(r.Id), now);
            }).ToList();
            foreach (var due in checks.Where(c => c.RotationDue))
            {
                ManagersLog.RotationDue(Logger, due.KeyId, due.Provider, due.AgeDays);
            }

            if (checks.Count > 0)
            {
                _state.Update(state =>
                {
                    var list = state.SecurityChecks;
                    foreach (var check in checks)
                    {
                        list = list.AppendBounded(check, Context.Options.HistoryLimit);
                    }

                    return state with
                    {
                        SecurityChecks = list,
                        KeyOperations = state.KeyOperations.AppendBounded(new KeyOperation(NewId("keyop"), "security_check", "*", null, checks.All(c => !c.RotationDue), $"{checks.Count(c => c.RotationDue)} due for rotation", now), Context.Options.HistoryLimit),
                    };
                });
            }

            return checks;
        });

    /// <summary>The keyed fingerprint of a key: HMAC-SHA-256 under the deployment's fingerprint secret, lowercase hex.</summary>
    public string Fingerprint(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_fingerprintSecret.Value, Encoding.UTF8.GetBytes(key)));
    }

    /// <inheritdoc />
    public async Task<CreatedAccessKey> CreateAccessKeyAsync(AccessRole role, string? description, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(role))
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role.");
        }

        if (description is not null && SecretScanner.Classify(description) is not null)
        {
            throw new ArgumentException("The description looks like it holds a secret; it would be stored in plain text.", nameof(description));
        }

        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var salt = RandomNumberGenerator.GetBytes(16);
        var now = Time.GetUtcNow();
        var generation = Context.Persistence.GetGeneration(ManagerName);
        var record = Run("create_access_key", () => _state.Update(state =>
        {
            string id;
            do
            {
                id = RandomNumberGenerator.GetHexString(AccessKeyIdLength, lowercase: true);
            }
            while (state.AccessKeys.ContainsKey(id));

            var created = new AccessKeyRecord
            {
                Id = id,
                Role = role,
                CreatedAt = now,
                Description = description,
                Salt = Convert.ToHexStringLower(salt),
                Hash = Convert.ToHexStringLower(HashSecret(salt, secret)),
            };
            return (state with
            {
                AccessKeys = state.AccessKeys.Add(id, created),
                KeyOperations = state.KeyOperations.AppendBounded(new KeyOperation(NewId("keyop"), "access_key_create", "statevault", id, true, role.ToString().ToLowerInvariant(), now), Context.Options.HistoryLimit),
            }, created);
        }));

        try
        {
            await SaveNowAsync(ManagerName, generation, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not acknowledged, so the key was never handed out: take it back (the pending copy is superseded by this change).
            // After a conflict the reloaded state never had it: nothing to take back, nothing to save.
            _state.Update(state => state.AccessKeys.ContainsKey(record.Id) ? state with { AccessKeys = state.AccessKeys.Remove(record.Id) } : state);
            throw;
        }

        ManagersLog.AccessKeyCreated(Logger, record.Id, role.ToString());
        return new CreatedAccessKey(ToInfo(record), $"{AccessKeyPrefix}{record.Id}_{secret}");
    }

    /// <inheritdoc />
    public AccessKeyInfo? ValidateAccessKey(string presentedKey)
    {
        if (!TryParseAccessKey(presentedKey, out var id, out var secret)
            || !State.AccessKeys.TryGetValue(id, out var record))
        {
            return null;
        }

        var expected = Convert.FromHexString(record.Hash);
        var actual = HashSecret(Convert.FromHexString(record.Salt), secret);
        return CryptographicOperations.FixedTimeEquals(expected, actual) && !record.Revoked ? ToInfo(record) : null;
    }

    /// <inheritdoc />
    public IReadOnlyList<AccessKeyInfo> ListAccessKeys() =>
        [.. State.AccessKeys.Values.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).Select(ToInfo)];

    /// <inheritdoc />
    /// <remarks>The revocation takes effect in memory at once; when the save fails the exception is thrown and the revocation stays pending (it is not undone).</remarks>
    public async Task<bool> RevokeAccessKeyAsync(string id, CancellationToken cancellationToken = default)
    {
        var now = Time.GetUtcNow();
        var generation = Context.Persistence.GetGeneration(ManagerName);
        var revoked = Run("revoke_access_key", () => _state.Update(state =>
        {
            if (id is null || !state.AccessKeys.TryGetValue(id, out var record) || record.Revoked)
            {
                return (state, false);
            }

            return (state with
            {
                AccessKeys = state.AccessKeys.SetItem(id, record with { Revoked = true, RevokedAt = now }),
                KeyOperations = state.KeyOperations.AppendBounded(new KeyOperation(NewId("keyop"), "access_key_revoke", "statevault", id, true, null, now), Context.Options.HistoryLimit),
            }, true);
        }));
        if (revoked)
        {
            await SaveNowAsync(ManagerName, generation, cancellationToken).ConfigureAwait(false);
            ManagersLog.AccessKeyRevoked(Logger, id);
        }

        return revoked;
    }

    /// <inheritdoc />
    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        foreach (var (provider, variable) in _options.EnvironmentVariables)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                AddProviderKey(provider, value, KeySource.Environment);
            }
        }

        foreach (var (provider, value) in _options.ProviderKeys)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                AddProviderKey(provider, value, KeySource.Configuration);
            }
        }

        RunSecurityChecks();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override void AddSummary(IDictionary<string, object?> summary)
    {
        var state = State;
        summary["provider_keys"] = state.ProviderKeys.Count;
        summary["provider_keys_present"] = state.ProviderKeys.Keys.Count(_keys.ContainsKey);
        summary["provider_keys_valid"] = state.ProviderKeys.Values.Count(r => r.ValidationResult == KeyValidationResult.Valid);
        summary["rotation_due"] = state.ProviderKeys.Values.Count(r => Time.GetUtcNow() - r.CreatedAt >= _options.RotationPeriod);
        summary["access_keys"] = state.AccessKeys.Values.Count(k => !k.Revoked);
        summary["access_keys_revoked"] = state.AccessKeys.Values.Count(k => k.Revoked);
    }

    private ProviderKeyInfo AddCore(string provider, string key, KeySource source, string operation)
    {
        var name = ProviderKeyFormats.Canonical(provider);
        if (string.IsNullOrWhiteSpace(key) || key.Trim().Length < 8)
        {
            throw new ArgumentException("A provider key has at least 8 characters.", nameof(key));
        }

        var raw = key.Trim();
        var fingerprint = Fingerprint(raw);
        var id = "key_" + fingerprint[..12];
        var format = ProviderKeyFormats.Match(name, raw);
        var result = format is null ? KeyValidationResult.InvalidFormat : KeyValidationResult.Valid;
        _keys[id] = new ProviderKey { Id = id, Provider = name, Key = raw };
        var now = Time.GetUtcNow();
        var record = _state.Update(state =>
        {
            state.ProviderKeys.TryGetValue(id, out var existing);
            var updated = new ProviderKeyRecord
            {
                Id = id,
                Provider = name,
                Fingerprint = fingerprint,
                LastFour = raw[^4..],
                Source = source,
                Format = format,
                CreatedAt = existing?.CreatedAt ?? now,
                LastValidated = now,
                ValidationResult = result,
            };
            var limit = Context.Options.HistoryLimit;
            return (state with
            {
                ProviderKeys = state.ProviderKeys.SetItem(id, updated),
                ValidationAttempts = state.ValidationAttempts.AppendBounded(new ValidationAttempt(NewId("valid"), id, name, result, format, now), limit),
                KeyOperations = state.KeyOperations.AppendBounded(new KeyOperation(NewId("keyop"), operation, name, id, true, source.ToString().ToLowerInvariant(), now), limit),
            }, updated);
        });
        ManagersLog.ProviderKeyLoaded(Logger, id, name, source.ToString());
        return new ProviderKeyInfo(record, true);
    }

    private static byte[] HashSecret(byte[] salt, string secret)
    {
        var secretBytes = Encoding.UTF8.GetBytes(secret);
        var buffer = new byte[salt.Length + secretBytes.Length];
        salt.CopyTo(buffer, 0);
        secretBytes.CopyTo(buffer, salt.Length);
        return SHA256.HashData(buffer);
    }

    private static bool TryParseAccessKey(string? presented, out string id, out string secret)
    {
        id = string.Empty;
        secret = string.Empty;
        if (presented is null
            || presented.Length <= AccessKeyPrefix.Length + AccessKeyIdLength + 1
            || presented.Length > 256
            || !presented.StartsWith(AccessKeyPrefix, StringComparison.Ordinal)
            || presented[AccessKeyPrefix.Length + AccessKeyIdLength] != '_')
        {
            return false;
        }

        id = presented.Substring(AccessKeyPrefix.Length, AccessKeyIdLength);
        secret = presented[(AccessKeyPrefix.Length + AccessKeyIdLength + 1)..];
        return id.All(char.IsAsciiHexDigitLower);
    }

    private static AccessKeyInfo ToInfo(AccessKeyRecord record) => new(record.Id, record.Role, record.CreatedAt, record.Revoked, record.Description);

    private byte[] LoadFingerprintSecret()
    {
        // Also checked at start-up (ValidateOnStart); checked again here for a manager built without a host.
        if (ApiKeysOptionsValidator.Check(_options, StoreUri) is { } failure)
        {
            throw new InvalidOperationException(failure);
        }

        if (!string.IsNullOrEmpty(_options.FingerprintSecret))
        {
            return Encoding.UTF8.GetBytes(_options.FingerprintSecret);
        }

        var path = FingerprintSecretPath!;
        if (File.Exists(path))
        {
            return Convert.FromHexString(File.ReadAllText(path).Trim());
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var secret = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, Encoding.ASCII, options);
            writer.Write(Convert.ToHexStringLower(secret));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs, or the fingerprints of the two would differ.
            return Convert.FromHexString(File.ReadAllText(path).Trim());
        }

        ManagersLog.FingerprintSecretGenerated(Logger, path);
        return secret;
    }

    private string StoreUri => Context.GetService<IOptions<StateVaultHostingOptions>>()?.Value.Store ?? SnapshotStoreFactory.DefaultUri;

    private string? DefaultFingerprintSecretPath()
    {
        var store = StoreUri;
        if (SnapshotStoreFactory.GetScheme(store) != FileSnapshotStoreProvider.Scheme)
        {
            // A shared store has no default: the secret must be configured (see ApiKeysOptionsValidator).
            return null;
        }

        // Beside the store root, never inside it: whoever copies the store does not get the secret with it.
        var root = Path.GetFullPath(FileSnapshotStoreProvider.ParsePath(store)).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(root) ?? root;
        return Path.Combine(parent, FingerprintFileName);
    }

    private static ApiKeysState Normalize(ApiKeysState state) =>
        state with
        {
            ProviderKeys = state.ProviderKeys.Ordinal(),
            AccessKeys = state.AccessKeys.Ordinal(),
            KeyOperations = state.KeyOperations ?? [],
            ValidationAttempts = state.ValidationAttempts ?? [],
            SecurityChecks = state.SecurityChecks ?? [],
        };
}
