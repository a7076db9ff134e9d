using System.Collections.Concurrent;
using System.Security.Cryptography;
using StateVault.Managers.ApiKeys;

namespace StateVault.Server.Tests.Support;

/// <summary>
/// TEST DOUBLE of the API key manager: the same key format and hashing rules (svk_&lt;12 hex&gt;_&lt;32 bytes base64url&gt;,
/// SHA-256(salt || secret) with a 16-byte salt, fixed-time comparison), kept in memory. A test "restarts" a server by
/// handing the same instance to the next host, as the real manager would restore its persisted system.
/// </summary>
public sealed class InMemoryAccessKeyRegistry : IAccessKeyRegistry
{
    private readonly ConcurrentDictionary<string, Entry> _keys = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public InMemoryAccessKeyRegistry(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    public Task<CreatedAccessKey> CreateAccessKeyAsync(AccessRole role, string? description, CancellationToken cancellationToken = default)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var salt = RandomNumberGenerator.GetBytes(16);
        var info = new AccessKeyInfo(id, role, _time.GetUtcNow(), Revoked: false, description);
        _keys[id] = new Entry(info, salt, Hash(salt, secret));
        return Task.FromResult(new CreatedAccessKey(info, $"svk_{id}_{secret}"));
    }

    public AccessKeyInfo? ValidateAccessKey(string presentedKey)
    {
        var parts = presentedKey.Split('_', 3);
        if (parts.Length != 3 || parts[0] != "svk" || !_keys.TryGetValue(parts[1], out var entry))
        {
            return null;
        }

        var matches = CryptographicOperations.FixedTimeEquals(Hash(entry.Salt, parts[2]), entry.Hash);
        return matches && !entry.Info.Revoked ? entry.Info : null;
    }

    public IReadOnlyList<AccessKeyInfo> ListAccessKeys() => _keys.Values.Select(e => e.Info).OrderBy(i => i.CreatedUtc).ToList();

    public Task<bool> RevokeAccessKeyAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!_keys.TryGetValue(id, out var entry))
        {
            return Task.FromResult(false);
        }

        _keys[id] = entry with { Info = entry.Info with { Revoked = true } };
        return Task.FromResult(true);
    }

    private static byte[] Hash(byte[] salt, string secret)
    {
        var secretBytes = System.Text.Encoding.ASCII.GetBytes(secret);
        var input = new byte[salt.Length + secretBytes.Length];
        salt.CopyTo(input, 0);
        secretBytes.CopyTo(input, salt.Length);
        return SHA256.HashData(input);
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Entry(AccessKeyInfo Info, byte[] Salt, byte[] Hash);
}
