using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StateVault.Storage;

namespace StateVault.S3.Tests;

/// <summary>URI parsing, option validation and DI registration (no server needed).</summary>
public sealed class S3SnapshotStoreProviderTests
{
    [Fact]
    public void Parse_FullUri_ReadsBucketPrefixEndpointRegionAndMode()
    {
        var options = S3SnapshotStoreProvider.Parse("s3://statevault/prod/eu?endpoint=http://127.0.0.1:4569&region=eu-west-1&conditional=off");

        Assert.Equal("statevault", options.BucketName);
        Assert.Equal("prod/eu", options.Prefix);
        Assert.Equal(new Uri("http://127.0.0.1:4569"), options.ServiceUrl);
        Assert.Equal("eu-west-1", options.Region);
        Assert.Equal(S3ConditionalWrites.Disabled, options.ConditionalWrites);
        Assert.True(options.EffectiveForcePathStyle);
    }

    [Fact]
    public void Parse_PercentEncodedEndpointAndNoPrefix_UsesDefaults()
    {
        var options = S3SnapshotStoreProvider.Parse("s3://statevault?endpoint=http%3A%2F%2F127.0.0.1%3A9000&forcePathStyle=false");

        Assert.Equal(string.Empty, options.Prefix);
        Assert.Equal(new Uri("http://127.0.0.1:9000"), options.ServiceUrl);
        Assert.Equal("us-east-1", options.Region);
        Assert.Equal(S3ConditionalWrites.Auto, options.ConditionalWrites);
        Assert.False(options.EffectiveForcePathStyle);
    }

    [Fact]
    public void Parse_AwsWithoutEndpoint_UsesVirtualHostStyle()
    {
        var options = S3SnapshotStoreProvider.Parse("s3://statevault/backups?region=us-east-2&conditional=required");

        Assert.Null(options.ServiceUrl);
        Assert.False(options.EffectiveForcePathStyle);
        Assert.Equal(S3ConditionalWrites.Required, options.ConditionalWrites);
    }

    [Theory]
    [InlineData("s3://AKIAEXAMPLE:hunter2-secret@statevault/p")]
    [InlineData("s3://statevault/p?endpoint=http://AKIAEXAMPLE:hunter2-secret@127.0.0.1:4569")]
    [InlineData("s3://statevault/p?secretAccessKey=hunter2-secret")]
    [InlineData("s3://statevault/p?aws_access_key_id=AKIAEXAMPLE&aws_secret_access_key=hunter2-secret")]
    public void Parse_CredentialsInUri_RejectedWithoutEchoingThem(string uri)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => S3SnapshotStoreProvider.Parse(uri));

        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AKIAEXAMPLE", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3:///prefix", "no bucket")]
    [InlineData("s3://Bad_Bucket/p", "not a valid bucket name")]
    [InlineData("s3://statevault/a/../b", "'..'")]
    [InlineData("s3://statevault/p?endpoint=ftp://host", "http://")]
    [InlineData("s3://statevault/p?regoin=us-east-1", "Unknown S3 store URI parameter 'regoin'")]
    [InlineData("s3://statevault/p?conditional=maybe", "auto, required or off")]
    [InlineData("file:./data", "Not an S3 store URI")]
    public void Parse_MalformedUri_ExplainsTheProblem(string uri, string expected)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => S3SnapshotStoreProvider.Parse(uri));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Factory_WithS3Provider_OpensS3Uris()
    {
        var factory = new SnapshotStoreFactory([new S3SnapshotStoreProvider()]);

        await using var sut = factory.Open("s3://statevault/p?endpoint=http://127.0.0.1:1&region=us-east-1");

        Assert.Equal("s3", sut.Kind);
        Assert.Contains("s3", factory.Schemes);
        Assert.True(sut.Capabilities.SupportsQuarantine);
        Assert.True(sut.Capabilities.SupportsLargePayloads);
    }

    [Fact]
    public async Task AddS3SnapshotStore_ValidOptions_RegistersProviderOnceAndTheStore()
    {
        var services = new ServiceCollection();
        services.AddSingleton(NullLoggerFactory.Instance as Microsoft.Extensions.Logging.ILoggerFactory);
        services.AddS3SnapshotStoreProvider();
        services.AddS3SnapshotStore("s3://statevault/p?endpoint=http://127.0.0.1:1");
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        var store = provider.GetRequiredService<ISnapshotStore>();

        Assert.Equal("s3", store.Kind);
        Assert.Single(provider.GetServices<ISnapshotStoreProvider>().OfType<S3SnapshotStoreProvider>());
    }

    [Fact]
    public async Task AddS3SnapshotStore_InvalidOptions_FailsAtStartValidation()
    {
        var services = new ServiceCollection();
        services.AddS3SnapshotStore(options =>
        {
            options.BucketName = "";
            options.RequestTimeout = TimeSpan.Zero;
        });
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(ex.Failures, f => f.Contains("BucketName", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("RequestTimeout", StringComparison.Ordinal));
    }
}
