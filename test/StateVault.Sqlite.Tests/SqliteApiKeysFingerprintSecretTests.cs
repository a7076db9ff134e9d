using System.Security.Cryptography;
using System.Text;
using StateVault.StoreWorker;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Sqlite.Tests;

/// <summary>
/// The API key manager's fingerprint secret on a shared (SQLite) store comes from configuration: processes started from
/// different working folders compute the same fingerprints and write nothing into those folders; without the secret the
/// start fails naming the option.
/// </summary>
public sealed class SqliteApiKeysFingerprintSecretTests : IDisposable
{
    private const string SecretVariable = "StateVault__Managers__ApiKeys__FingerprintSecret";
    private const string Secret = "configured-fingerprint-secret-0123456789";
    private const string ProviderKey = "sv-test-provider-key-0123456789abcdef";

    private readonly TempDirectory _store = new();
    private readonly TempDirectory _firstFolder = new();
    private readonly TempDirectory _secondFolder = new();

    public SqliteApiKeysFingerprintSecretTests()
    {
        Directory.CreateDirectory(_store.Path);
        Directory.CreateDirectory(_firstFolder.Path);
        Directory.CreateDirectory(_secondFolder.Path);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string StoreUri => "sqlite:" + Path.Combine(_store.Path, "statevault.db");

    public void Dispose()
    {
        _store.Dispose();
        _firstFolder.Dispose();
        _secondFolder.Dispose();
    }

    [Fact]
    public async Task Start_FromTwoWorkingFoldersWithTheConfiguredSecret_SameFingerprintsAndNothingWrittenThere()
    {
        var environment = new Dictionary<string, string?> { [SecretVariable] = Secret };

        var first = await StoreWorkerProcess.RunToEndAsync(["apikeys", StoreUri, "openai", ProviderKey], _firstFolder.Path, environment, TimeSpan.FromMinutes(1), Ct);
        var second = await StoreWorkerProcess.RunToEndAsync(["apikeys", StoreUri, "openai", ProviderKey], _secondFolder.Path, environment, TimeSpan.FromMinutes(1), Ct);

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.True(second.ExitCode == 0, second.Stderr);
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(ProviderKey)));
        Assert.Equal($"fingerprint {expected}", first.Stdout.Trim());
        Assert.Equal($"fingerprint {expected}", second.Stdout.Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_firstFolder.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_secondFolder.Path));
        Assert.DoesNotContain(Secret, first.Stdout + first.Stderr + second.Stdout + second.Stderr, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_store.Path, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            Assert.False(StoredBytes.Contains(bytes, Secret), $"The fingerprint secret is in {file}.");
            Assert.False(StoredBytes.Contains(bytes, ProviderKey), $"The provider key is in {file}.");
        }
    }

    [Fact]
    public async Task Start_WithoutAConfiguredSecret_FailsNamingTheOptionAndWritesNothing()
    {
        var environment = new Dictionary<string, string?> { [SecretVariable] = null };

        var result = await StoreWorkerProcess.RunToEndAsync(["apikeys", StoreUri, "openai", ProviderKey], _firstFolder.Path, environment, TimeSpan.FromMinutes(1), Ct);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("StateVault:Managers:ApiKeys:FingerprintSecret", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_firstFolder.Path));
    }
}
