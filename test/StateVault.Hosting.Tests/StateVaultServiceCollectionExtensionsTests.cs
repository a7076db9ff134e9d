using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StateVault.Secrets;
using Xunit;

namespace StateVault.Hosting.Tests;

public sealed class StateVaultServiceCollectionExtensionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AddStateVault_Configuration_BindsSectionAndStoreVariableOverrides()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StateVault:Store"] = "file:/nonexistent/from-config",
            ["StateVault:AutosaveDebounce"] = "00:00:05",
            ["StateVault:AutosaveMaxInterval"] = "00:01:00",
            ["StateVault:SecretPolicy"] = "Redact",
            ["StateVault:Retention:KeepLast"] = "7",
            ["StateVault:Compression:Codec"] = "gzip",
            [StateVaultHostingOptions.StoreEnvironmentVariable] = "file:" + _dir.Store,
        }).Build();
        var services = new ServiceCollection();
        services.AddStateVault(configuration);
        await using var provider = services.BuildServiceProvider();

        var sut = provider.GetRequiredService<IOptions<StateVaultHostingOptions>>().Value;

        Assert.Equal("file:" + _dir.Store, sut.Store);
        Assert.Equal(TimeSpan.FromSeconds(5), sut.AutosaveDebounce);
        Assert.Equal(SecretPolicy.Redact, sut.SecretPolicy);
        var vault = provider.GetRequiredService<SnapshotVault>();
        Assert.Equal(7, vault.Options.Retention.KeepLast);
        Assert.Equal("gzip", vault.Options.Compression.Codec);
        Assert.Equal(SecretPolicy.Redact, vault.Options.SecretPolicy);
    }

    [Theory]
    [InlineData("7d")]
    [InlineData("1w")]
    [InlineData("7.00:00:00")]
    public async Task AddStateVault_KeepWithinInEitherSyntax_BindsTheSameDuration(string within)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StateVault:Store"] = "file:" + _dir.Store,
            ["StateVault:Retention:KeepWithin"] = within,
            ["StateVault:RetentionPerSystem:audit:KeepWithin"] = within,
        }).Build();
        var services = new ServiceCollection();
        services.AddStateVault(configuration);
        await using var provider = services.BuildServiceProvider();

        var vault = provider.GetRequiredService<SnapshotVault>();

        Assert.Equal(TimeSpan.FromDays(7), vault.Options.Retention.KeepWithin);
        Assert.Equal(TimeSpan.FromDays(7), vault.Options.RetentionFor("audit").KeepWithin);
    }

    [Fact]
    public async Task AddStateVault_KeepWithinNotADuration_FailsValidationNamingTheSyntax()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StateVault:Store"] = "file:" + _dir.Store,
            ["StateVault:Retention:KeepWithin"] = "7 days",
        }).Build();
        var services = new ServiceCollection();
        services.AddStateVault(configuration);
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StateVaultHostingOptions>>().Value);

        Assert.Contains("KeepWithin", ex.Message, StringComparison.Ordinal);
        Assert.Contains("7d", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddStateVault_NoConfiguration_DefaultsToFileStoreAndKeepLastFive()
    {
        var services = new ServiceCollection();
        services.AddStateVault();
        await using var provider = services.BuildServiceProvider();

        var sut = provider.GetRequiredService<IOptions<StateVaultHostingOptions>>().Value;

        Assert.Equal("file:./data/persistent", sut.Store);
        Assert.Equal(5, sut.ToVaultOptions().Retention.KeepLast);
        Assert.Equal(TimeSpan.FromSeconds(2), sut.AutosaveDebounce);
        Assert.Equal(TimeSpan.FromSeconds(30), sut.AutosaveMaxInterval);
    }

    [Theory]
    [InlineData("nosuchscheme://x", "no store provider")]
    [InlineData("", "empty")]
    [InlineData("file:./x|debounce", "AutosaveMaxInterval")]
    [InlineData("file:./x|codec", "Unknown codec")]
    public async Task StartAsync_InvalidOptions_FailsWithClearMessage(string store, string expected)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddStateVault(options =>
        {
            options.Store = store.Split('|')[0];
            if (store.EndsWith("|debounce", StringComparison.Ordinal))
            {
                options.AutosaveDebounce = TimeSpan.FromMinutes(5);
            }

            if (store.EndsWith("|codec", StringComparison.Ordinal))
            {
                options.Compression.Codec = "lz-nope";
            }
        });
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManagerRegistry_RegisteredComponents_FoundByNameAndSystem()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.AddStateVault(o => o.Store = "file:" + _dir.Store)
            .AddManager(sp => new CounterComponent(sp.GetRequiredService<IStatePersistence>()))
            .AddManager(sp => new CounterComponent(sp.GetRequiredService<IStatePersistence>())); // twice: no effect
        await using var provider = services.BuildServiceProvider();

        var sut = provider.GetRequiredService<IManagerRegistry>();

        var counter = Assert.Single(sut.Managers);
        Assert.Same(counter, sut.FindByName("counter"));
        Assert.Same(counter, sut.FindBySystem(CounterComponent.SystemB));
        Assert.Null(sut.FindByName("nope"));
        Assert.Null(sut.FindBySystem("nope"));
    }

    [Fact]
    public async Task HealthChecks_Registered_OneForTheStoreAndOnePerManager()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.AddStateVault(o => o.Store = "file:" + _dir.Store)
            .AddManager(sp => new CounterComponent(sp.GetRequiredService<IStatePersistence>()));
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

        Assert.Equal([StateVaultHealthChecks.ManagerPrefix + "counter", StateVaultHealthChecks.Store], report.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.All(report.Entries.Values, e => Assert.Equal(HealthStatus.Healthy, e.Status));
    }

    [Fact]
    public async Task MarkChanged_SystemOfAnotherManager_Throws()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.AddStateVault(o => o.Store = "file:" + _dir.Store)
            .AddManager(sp => new CounterComponent(sp.GetRequiredService<IStatePersistence>()));
        await using var provider = services.BuildServiceProvider();
        var persistence = provider.GetRequiredService<IStatePersistence>();
        var counter = provider.GetRequiredService<CounterComponent>();
        persistence.MarkChanged(counter, CounterComponent.SystemA);
        var other = new CounterComponent(persistence);

        var ex = Assert.Throws<InvalidOperationException>(() => persistence.MarkChanged(other, CounterComponent.SystemA));

        Assert.Contains("belongs to manager", ex.Message, StringComparison.Ordinal);
        Assert.Equal(JsonNode.Parse("""{"count":0}""")!.ToJsonString(), counter.CaptureState(CounterComponent.SystemA).ToJsonString());
    }
}
