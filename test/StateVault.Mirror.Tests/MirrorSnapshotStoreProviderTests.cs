using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StateVault.Retention;
using StateVault.S3;
using StateVault.Storage;

namespace StateVault.Mirror.Tests;

/// <summary>The <c>mirror:</c> URI, option validation and DI registration.</summary>
public sealed class MirrorSnapshotStoreProviderTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sv-mirror-uri-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Parse_FormattedUri_RoundTripsSidesAndSecondaryRetention()
    {
        var policy = new RetentionPolicy { KeepLast = 5, KeepDaily = 30, KeepWithin = TimeSpan.FromDays(2), KeepTags = ["release", "manual"] };
        var uri = MirrorSnapshotStoreProvider.FormatUri("file:./data/persistent", "s3://backups/sv?endpoint=http://127.0.0.1:4569&region=eu-west-1", policy);

        var options = MirrorSnapshotStoreProvider.Parse(uri + "&catchUpInterval=00:01:30&catchUpOnStart=false");

        Assert.StartsWith("mirror:?primary=file%3A", uri, StringComparison.Ordinal);
        Assert.Equal("file:./data/persistent", options.Primary);
        Assert.Equal("s3://backups/sv?endpoint=http://127.0.0.1:4569&region=eu-west-1", options.Secondary);
        Assert.Equal(policy with { KeepTags = options.SecondaryRetention.KeepTags }, options.SecondaryRetention);
        Assert.Equal(["release", "manual"], options.SecondaryRetention.KeepTags);
        Assert.Equal(TimeSpan.FromSeconds(90), options.CatchUpInterval);
        Assert.False(options.CatchUpOnStart);
    }

    [Theory]
    [InlineData("7d")]
    [InlineData("1w")]
    [InlineData("7.00:00:00")]
    public void Parse_KeepWithinInEitherSyntax_IsTheSameDuration(string within)
    {
        var sut = MirrorSnapshotStoreProvider.Parse($"mirror:?primary=file%3A%2Fa&secondary=file%3A%2Fb&secondaryKeepWithin={Uri.EscapeDataString(within)}&catchUpInterval=5m");

        Assert.Equal(TimeSpan.FromDays(7), sut.SecondaryRetention.KeepWithin);
        Assert.Equal(TimeSpan.FromMinutes(5), sut.CatchUpInterval);
    }

    [Fact]
    public void FormatUri_KeepWithin_IsWrittenInTheShortSyntax()
    {
        var sut = MirrorSnapshotStoreProvider.FormatUri("file:/a", "file:/b", new RetentionPolicy { KeepWithin = TimeSpan.FromHours(36) });

        Assert.EndsWith("&secondaryKeepWithin=1d12h", sut, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoRetentionOptions_SecondaryKeepsEverything()
    {
        var options = MirrorSnapshotStoreProvider.Parse("mirror:?primary=file%3A%2Fa&secondary=file%3A%2Fb");

        Assert.True(options.SecondaryRetention.IsEmpty);
        Assert.Equal(TimeSpan.FromMinutes(5), options.CatchUpInterval);
        Assert.True(options.CatchUpOnStart);
    }

    [Theory]
    [InlineData("mirror:?primary=file%3A%2Fa", "Secondary store URI is required")]
    [InlineData("mirror:?primary=file%3A%2Fa&secondary=file%3A%2Fa", "same store")]
    [InlineData("mirror:?primary=file%3A%2Fa&secondary=mirror%3A%3Fprimary%3Dx", "must not itself be a mirror")]
    [InlineData("mirror:?primary=file:/a&secondary=s3://b/p?endpoint=http://h:1&region=us-east-1", "Percent-encode")]
    [InlineData("mirror:?primary=file%3A%2Fa&secondary=file%3A%2Fb&secondaryKeepLast=0", "secondaryKeepLast must be")]
    [InlineData("mirror:?primary=file%3A%2Fa&secondary=file%3A%2Fb&catchUpInterval=5x", "catchUpInterval must be")]
    [InlineData("mirror:?primary=file%3A%2Fa&secondary=file%3A%2Fb&secondaryKeepWithin=0d", "secondaryKeepWithin must be")]
    [InlineData("file:/a", "Not a mirror store URI")]
    public void Parse_MalformedUri_ExplainsTheProblem(string uri, string expected)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => MirrorSnapshotStoreProvider.Parse(uri));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SideWithPassword_NeverEchoesIt()
    {
        var uri = "mirror:?primary=" + Uri.EscapeDataString("postgresql://app:hunter2-secret@db:5432/sv") + "&secondaryKeepDaily=x";

        var ex = Assert.ThrowsAny<ArgumentException>(() => MirrorSnapshotStoreProvider.Parse(uri));

        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_SideWithUnknownScheme_FailsAndWritesNothing()
    {
        var sut = new MirrorSnapshotStoreProvider([]);
        var uri = MirrorSnapshotStoreProvider.FormatUri("file:" + Path.Combine(_root, "p"), "sqlite:" + Path.Combine(_root, "s.db"));

        var ex = Assert.ThrowsAny<ArgumentException>(() => sut.Open(uri, NullLoggerFactory.Instance, TimeProvider.System));

        Assert.Contains("sqlite:", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "p")));
    }

    [Fact]
    public async Task AddMirrorSnapshotStoreProvider_WithOtherProviders_OpensMirrorUrisWithoutCircularDependency()
    {
        var services = new ServiceCollection();
        services.AddS3SnapshotStoreProvider();
        services.AddMirrorSnapshotStoreProvider();
        services.AddMirrorSnapshotStoreProvider();
        await using var provider = services.BuildServiceProvider();
        var providers = provider.GetServices<ISnapshotStoreProvider>().ToList();
        var factory = new SnapshotStoreFactory(providers);

        await using var store = factory.Open(MirrorSnapshotStoreProvider.FormatUri("file:" + Path.Combine(_root, "p"), "file:" + Path.Combine(_root, "s")));

        Assert.Single(providers.OfType<MirrorSnapshotStoreProvider>());
        Assert.Equal(["file", "mirror", "s3"], factory.Schemes.Order(StringComparer.Ordinal));
        var mirror = Assert.IsType<MirrorSnapshotStore>(store);
        Assert.Equal("file", mirror.Primary.Kind);
    }

    [Fact]
    public async Task AddMirrorSnapshotStore_ValidOptions_RegistersTheMirrorAsTheStore()
    {
        var services = new ServiceCollection();
        services.AddMirrorSnapshotStore(options =>
        {
            options.Primary = "file:" + Path.Combine(_root, "p");
            options.Secondary = "file:" + Path.Combine(_root, "s");
            options.SecondaryRetention = new RetentionPolicy { KeepDaily = 30 };
        });
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        var store = provider.GetRequiredService<ISnapshotStore>();

        var mirror = Assert.IsType<MirrorSnapshotStore>(store);
        Assert.Same(mirror, provider.GetRequiredService<MirrorSnapshotStore>());
        Assert.Equal(30, mirror.Options.SecondaryRetention.KeepDaily);
    }

    [Fact]
    public async Task AddMirrorSnapshotStore_InvalidOptions_FailsAtStartValidation()
    {
        var services = new ServiceCollection();
        services.AddMirrorSnapshotStore(options =>
        {
            options.Primary = "file:/a";
            options.CatchUpInterval = TimeSpan.Zero;
            options.SecondaryRetention = new RetentionPolicy { KeepLast = 0 };
        });
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(ex.Failures, f => f.Contains("Secondary store URI is required", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("CatchUpInterval", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("KeepLast", StringComparison.Ordinal));
    }

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
