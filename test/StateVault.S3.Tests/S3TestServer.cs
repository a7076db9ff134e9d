using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using StateVault.S3;
using StateVault.TestKit;

namespace StateVault.S3.Tests;

/// <summary>The real s3rver the tests run against (STATEVAULT_TEST_S3_ENDPOINT / STATEVAULT_TEST_S3_BUCKET).</summary>
internal static class S3TestServer
{
    public const string EndpointVariable = "STATEVAULT_TEST_S3_ENDPOINT";
    public const string BucketVariable = "STATEVAULT_TEST_S3_BUCKET";

    /// <summary>The endpoint, or a skip (a failure under STATEVAULT_REQUIRE_BACKENDS=1).</summary>
    public static Uri Endpoint => new(Backend.RequireEnvironment(EndpointVariable, "An S3-compatible server (s3rver)"));

    public static string Bucket => Backend.RequireEnvironment(BucketVariable, "An S3 test bucket");

    /// <summary>A prefix no other test uses.</summary>
    public static string UniquePrefix(string owner) => $"tests/{owner}-{Guid.NewGuid():N}";

    public static S3SnapshotStoreOptions Options(string prefix, Uri? endpoint = null, S3ConditionalWrites conditional = S3ConditionalWrites.Auto) => new()
    {
        BucketName = Bucket,
        Prefix = prefix,
        ServiceUrl = endpoint ?? Endpoint,
        Region = "us-east-1",
        ConditionalWrites = conditional,
    };

    /// <summary>A plain SDK client on the same server, for looking at and damaging objects behind the store's back.</summary>
    public static AmazonS3Client RawClient(Uri? endpoint = null) => new(new AmazonS3Config
    {
        ServiceURL = (endpoint ?? Endpoint).ToString(),
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public static async Task<byte[]> GetAsync(IAmazonS3 client, string key, CancellationToken cancellationToken)
    {
        using var response = await client.GetObjectAsync(Bucket, key, cancellationToken);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    public static Task PutAsync(IAmazonS3 client, string key, byte[] bytes, CancellationToken cancellationToken) =>
        client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false }, cancellationToken);

    public static async Task<List<string>> ListKeysAsync(IAmazonS3 client, string prefix, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        string? continuation = null;
        do
        {
            var response = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix, ContinuationToken = continuation }, cancellationToken);
            keys.AddRange((response.S3Objects ?? []).Select(o => o.Key));
            continuation = response.IsTruncated == true ? response.NextContinuationToken : null;
        }
        while (continuation is not null);
        return keys;
    }
}
