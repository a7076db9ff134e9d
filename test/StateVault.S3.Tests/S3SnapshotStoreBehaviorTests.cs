using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.S3.Tests;

/// <summary>What the S3 store promises beyond the shared suite: layout, conditional-write modes, errors. Against a real s3rver.</summary>
public sealed class S3SnapshotStoreBehaviorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static S3SnapshotStore CreateStore(S3SnapshotStoreOptions options, IAmazonS3? client = null) =>
        new(options, NullLogger.Instance, client);

    [Fact]
    public async Task Append_StoresEnvelopeAsObjectBody_ByteForByteUnderSequenceOrderedKeys()
    {
        var prefix = S3TestServer.UniquePrefix("layout");
        await using var sut = CreateStore(S3TestServer.Options(prefix));
        var envelopes = new List<byte[]>();
        for (var i = 0; i < 3; i++)
        {
            await sut.AppendAsync("layout_sys", null, seq =>
            {
                var envelope = TestEnvelopes.Create("layout_sys", seq, $$"""{"i":{{seq}},"text":"{{new string('x', 5000)}}"}""");
                envelopes.Add(envelope.ToArray());
                return envelope;
            }, Ct);
        }

        using var raw = S3TestServer.RawClient();
        var keys = await S3TestServer.ListKeysAsync(raw, prefix + "/", Ct);

        Assert.Equal(
            [
                $"{prefix}/layout_sys/layout_sys-0000000000000000001.svsnap",
                $"{prefix}/layout_sys/layout_sys-0000000000000000002.svsnap",
                $"{prefix}/layout_sys/layout_sys-0000000000000000003.svsnap",
            ],
            keys.Order(StringComparer.Ordinal));
        for (var i = 0; i < 3; i++)
        {
            // Byte for byte: no aws-chunked framing or anything else around the envelope.
            Assert.Equal(envelopes[i], await S3TestServer.GetAsync(raw, keys.Order(StringComparer.Ordinal).ElementAt(i), Ct));
        }
    }

    [Fact]
    public async Task Quarantine_CopiesToQuarantineFolderWithReasonThenDeletes()
    {
        var prefix = S3TestServer.UniquePrefix("quarantine");
        await using var sut = CreateStore(S3TestServer.Options(prefix));
        await sut.AppendAsync("q_sys", null, seq => TestEnvelopes.Create("q_sys", seq, "1"), Ct);
        await sut.AppendAsync("q_sys", null, seq => TestEnvelopes.Create("q_sys", seq, "2"), Ct);
        var original = await sut.ReadAsync("q_sys", 2, Ct);

        Assert.True(await sut.QuarantineAsync("q_sys", 2, "payload checksum mismatch", Ct));

        using var raw = S3TestServer.RawClient();
        var quarantined = $"{prefix}/q_sys/.quarantine/q_sys-0000000000000000002.svsnap";
        Assert.Equal(original, await S3TestServer.GetAsync(raw, quarantined, Ct));
        Assert.Equal("payload checksum mismatch", Encoding.UTF8.GetString(await S3TestServer.GetAsync(raw, quarantined + ".reason", Ct)));
        Assert.Null(await sut.ReadAsync("q_sys", 2, Ct));
        Assert.False(await sut.QuarantineAsync("q_sys", 2, "again", Ct));
        Assert.False(await sut.ImportAsync("q_sys", 2, EnvelopeBytes.FromArray(original!), Ct));
    }

    [Fact]
    public async Task Delete_Newest_RecordsHighWaterMarkBeforeDeleting()
    {
        var prefix = S3TestServer.UniquePrefix("highwater");
        await using var sut = CreateStore(S3TestServer.Options(prefix));
        await sut.AppendAsync("hw_sys", null, seq => TestEnvelopes.Create("hw_sys", seq, "1"), Ct);
        await sut.AppendAsync("hw_sys", null, seq => TestEnvelopes.Create("hw_sys", seq, "2"), Ct);

        Assert.True(await sut.DeleteAsync("hw_sys", 1, Ct));
        using var raw = S3TestServer.RawClient();
        Assert.DoesNotContain($"{prefix}/hw_sys/.highwater", await S3TestServer.ListKeysAsync(raw, prefix + "/", Ct));

        Assert.True(await sut.DeleteAsync("hw_sys", 2, Ct));

        Assert.Equal("2", Encoding.ASCII.GetString(await S3TestServer.GetAsync(raw, $"{prefix}/hw_sys/.highwater", Ct)));
        Assert.Equal(2, await sut.GetLatestSequenceAsync("hw_sys", Ct));
        var systems = new List<string>();
        await foreach (var name in sut.ListSystemsAsync(Ct))
        {
            systems.Add(name);
        }

        Assert.Equal(["hw_sys"], systems);
    }

    [Fact]
    public async Task ResolveConditionalWrites_OnS3rver_DetectsIgnoredConditionsAndClaimsOneProcess()
    {
        var prefix = S3TestServer.UniquePrefix("probe-s3rver");
        await using var sut = CreateStore(S3TestServer.Options(prefix));
        Assert.False(sut.Capabilities.SupportsMultipleProcesses);

        Assert.False(await sut.ResolveConditionalWritesAsync(Ct));

        Assert.False(sut.Capabilities.SupportsMultipleProcesses);
        using var raw = S3TestServer.RawClient();
        Assert.Empty(await S3TestServer.ListKeysAsync(raw, prefix + "/", Ct)); // the probe object is gone
    }

    [Fact]
    public async Task ResolveConditionalWrites_OnEnforcingServer_ClaimsManyProcesses()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(S3TestServer.Endpoint);
        var prefix = S3TestServer.UniquePrefix("probe-enforcing");
        await using var sut = CreateStore(S3TestServer.Options(prefix, proxy.Endpoint));

        Assert.True(await sut.ResolveConditionalWritesAsync(Ct));

        Assert.True(sut.Capabilities.SupportsMultipleProcesses);
        Assert.Equal(2, proxy.PreconditionFailures); // the second If-None-Match and the wrong If-Match
    }

    [Fact]
    public async Task Append_RequiredConditionalWritesOnServerIgnoringThem_FailsPermanentlyAndWritesNothing()
    {
        var prefix = S3TestServer.UniquePrefix("required");
        await using var sut = CreateStore(S3TestServer.Options(prefix, conditional: S3ConditionalWrites.Required));

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.AppendAsync("req_sys", null, seq => TestEnvelopes.Create("req_sys", seq, "1"), Ct));

        Assert.False(ex.IsTransient);
        Assert.Contains("conditional", ex.Message, StringComparison.OrdinalIgnoreCase);
        using var raw = S3TestServer.RawClient();
        Assert.Empty(await S3TestServer.ListKeysAsync(raw, prefix + "/", Ct));
    }

    [Fact]
    public async Task Append_SingleWriterModeFromTwoInstancesInOneProcess_NoDuplicateSequences()
    {
        var prefix = S3TestServer.UniquePrefix("single-writer");
        await using var sut = CreateStore(S3TestServer.Options(prefix, conditional: S3ConditionalWrites.Disabled));
        await using var second = CreateStore(S3TestServer.Options(prefix, conditional: S3ConditionalWrites.Disabled));

        var results = await Task.WhenAll(
            Task.Run(async () => { var l = new List<long>(); for (var i = 0; i < 15; i++) { l.Add(await sut.AppendAsync("sw_sys", null, s => TestEnvelopes.Create("sw_sys", s, "1"), Ct)); } return l; }, Ct),
            Task.Run(async () => { var l = new List<long>(); for (var i = 0; i < 15; i++) { l.Add(await second.AppendAsync("sw_sys", null, s => TestEnvelopes.Create("sw_sys", s, "2"), Ct)); } return l; }, Ct));

        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), results.SelectMany(r => r).Order());
    }

    [Fact]
    public async Task Append_SingleWriterModeOverwrittenRightAfterWrite_DetectsItAndMovesToNextSequence()
    {
        var prefix = S3TestServer.UniquePrefix("overwrite");
        var intruder = TestEnvelopes.Create("ow_sys", 1, """{"writer":"other process"}""").ToArray();
        using var client = new OverwritingClient(S3TestServer.Endpoint, intruder);
        await using var sut = CreateStore(S3TestServer.Options(prefix, conditional: S3ConditionalWrites.Disabled), client);

        var sequence = await sut.AppendAsync("ow_sys", null, seq => TestEnvelopes.Create("ow_sys", seq, """{"writer":"this one"}"""), Ct);

        Assert.Equal(2, sequence);
        Assert.Equal(intruder, await sut.ReadAsync("ow_sys", 1, Ct));
        Assert.Equal(TestEnvelopes.Create("ow_sys", 2, """{"writer":"this one"}""").ToArray(), await sut.ReadAsync("ow_sys", 2, Ct));
    }

    [Fact]
    public async Task Append_ConditionalCompareAndSetLosingTheRace_ThrowsConcurrency()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(S3TestServer.Endpoint);
        var prefix = S3TestServer.UniquePrefix("cas-race");
        var rival = TestEnvelopes.Create("cas_sys", 1, "\"rival\"").ToArray();
        using var client = new OverwritingClient(proxy.Endpoint, rival, writeBefore: true);
        await using var sut = CreateStore(S3TestServer.Options(prefix, proxy.Endpoint, S3ConditionalWrites.Required), client);
        await sut.ResolveConditionalWritesAsync(Ct);

        var ex = await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => sut.AppendAsync("cas_sys", 0, seq => TestEnvelopes.Create("cas_sys", seq, "\"mine\""), Ct));

        Assert.Equal(0, ex.ExpectedSequence);
        Assert.Equal(1, ex.ActualSequence);
        Assert.Equal(rival, await sut.ReadAsync("cas_sys", 1, Ct));
    }

    [Fact]
    public async Task List_WithSmallPages_ReturnsEverySnapshotAndSystem()
    {
        var prefix = S3TestServer.UniquePrefix("paging");
        await using var sut = CreateStore(S3TestServer.Options(prefix));
        sut.ListPageSize = 2;
        for (var i = 0; i < 7; i++)
        {
            await sut.AppendAsync("page_a", null, seq => TestEnvelopes.Create("page_a", seq, "1"), Ct);
        }

        foreach (var name in new[] { "page_b", "page_c", "page_d", "page_e" })
        {
            await sut.AppendAsync(name, null, seq => TestEnvelopes.Create(name, seq, "1"), Ct);
        }

        var sequences = new List<long>();
        await foreach (var item in sut.ListAsync("page_a", Ct))
        {
            sequences.Add(item.Sequence);
        }

        var systems = new List<string>();
        await foreach (var name in sut.ListSystemsAsync(Ct))
        {
            systems.Add(name);
        }

        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), sequences);
        Assert.Equal(["page_a", "page_b", "page_c", "page_d", "page_e"], systems);
    }

    [Fact]
    public async Task Append_ServerNotListening_ThrowsTransient()
    {
        var closedPort = new Uri($"http://127.0.0.1:{UnusedPort()}");
        var options = S3TestServer.Options(S3TestServer.UniquePrefix("refused"), closedPort, S3ConditionalWrites.Disabled);
        options.MaxErrorRetry = 0;
        await using var sut = CreateStore(options);

        var append = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.AppendAsync("down_sys", null, seq => TestEnvelopes.Create("down_sys", seq, "1"), Ct));
        var read = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.ReadAsync("down_sys", 1, Ct));

        Assert.True(append.IsTransient, append.Message);
        Assert.True(read.IsTransient, read.Message);
    }

    [Fact]
    public async Task Append_ServerAnswers503_ThrowsTransientThenSucceedsAfterOutage()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(S3TestServer.Endpoint);
        var options = S3TestServer.Options(S3TestServer.UniquePrefix("unavailable"), proxy.Endpoint, S3ConditionalWrites.Disabled);
        options.MaxErrorRetry = 0;
        await using var sut = CreateStore(options);
        proxy.FailNext(1);

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.AppendAsync("flaky_sys", null, seq => TestEnvelopes.Create("flaky_sys", seq, "1"), Ct));

        Assert.True(ex.IsTransient, ex.Message);
        Assert.Equal(1, await sut.AppendAsync("flaky_sys", null, seq => TestEnvelopes.Create("flaky_sys", seq, "1"), Ct));
    }

    [Fact]
    public async Task Read_ServerNeverAnswers_TimesOutAsTransient()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(S3TestServer.Endpoint);
        var options = S3TestServer.Options(S3TestServer.UniquePrefix("hang"), proxy.Endpoint, S3ConditionalWrites.Disabled);
        options.MaxErrorRetry = 0;
        options.RequestTimeout = TimeSpan.FromSeconds(1);
        await using var sut = CreateStore(options);
        // Every request hangs: the SDK may retry a timed-out request on a fresh connection even with MaxErrorRetry 0.
        proxy.HangNext(int.MaxValue);

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.ReadAsync("hang_sys", 1, Ct));

        Assert.True(ex.IsTransient, ex.Message);
        Assert.Contains("timed out", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// s3rver replaces an object in place, so a GET that overlaps a PUT gets a body that fails the checksum in its headers and
    /// the SDK refuses it. A read after that sees one whole version: the store reads again instead of failing.
    /// </summary>
    [Fact]
    public async Task Read_SnapshotBodyTornByAConcurrentOverwrite_ReadsAgainAndReturnsTheSnapshot()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(S3TestServer.Endpoint);
        await using var sut = CreateStore(S3TestServer.Options(S3TestServer.UniquePrefix("torn-read"), proxy.Endpoint, S3ConditionalWrites.Disabled));
        var envelope = TestEnvelopes.Create("torn_sys", 1, """{"text":"read me whole"}""").ToArray();
        await sut.AppendAsync("torn_sys", null, _ => EnvelopeBytes.FromArray(envelope), Ct);
        proxy.TearNextReads(S3SnapshotStore.MaxBodyReadAttempts - 1);

        Assert.Equal(envelope, await sut.ReadAsync("torn_sys", 1, Ct));
        Assert.Equal(0, proxy.PendingTears);
    }

    /// <summary>
    /// A snapshot object is never replaced: a body that fails its checksum on every read is damage, reported as such (the
    /// engine then quarantines it and falls back), not a store failure that would stop the load.
    /// </summary>
    [Fact]
    public async Task Read_SnapshotBodyFailingItsChecksumOnEveryRead_IsReportedAsDamage()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(S3TestServer.Endpoint);
        await using var sut = CreateStore(S3TestServer.Options(S3TestServer.UniquePrefix("torn-always"), proxy.Endpoint, S3ConditionalWrites.Disabled));
        await sut.AppendAsync("torn_sys", null, seq => TestEnvelopes.Create("torn_sys", seq, "1"), Ct);
        proxy.TearNextReads(S3SnapshotStore.MaxBodyReadAttempts);

        var ex = await Assert.ThrowsAsync<SnapshotCorruptedException>(() => sut.ReadAsync("torn_sys", 1, Ct));

        Assert.Equal(1, ex.Sequence);
        Assert.Contains("checksum", ex.Reason, StringComparison.Ordinal);
    }

    /// <summary>Through the engine: the newest snapshot's body fails its checksum on every read, so the load falls back to the one before.</summary>
    [Fact]
    public async Task LoadLatest_NewestBodyFailingItsChecksumOnEveryRead_FallsBackToThePreviousSnapshot()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(S3TestServer.Endpoint);
        var prefix = S3TestServer.UniquePrefix("torn-vault");
        await using var vault = new SnapshotVault(CreateStore(S3TestServer.Options(prefix, proxy.Endpoint, S3ConditionalWrites.Disabled)), ownsStore: true);
        await vault.SaveAsync("torn_sys", new Dictionary<string, int> { ["n"] = 1 }, cancellationToken: Ct);
        await vault.SaveAsync("torn_sys", new Dictionary<string, int> { ["n"] = 2 }, cancellationToken: Ct);
        await using var fresh = new SnapshotVault(CreateStore(S3TestServer.Options(prefix, proxy.Endpoint, S3ConditionalWrites.Disabled)), ownsStore: true);
        proxy.TearNextReads(S3SnapshotStore.MaxBodyReadAttempts, keySuffix: "0000000000000000002.svsnap");

        var loaded = await fresh.LoadLatestAsync<Dictionary<string, int>>("torn_sys", Ct);

        Assert.NotNull(loaded);
        Assert.Equal(1, loaded.State["n"]);
        Assert.Equal(2, Assert.Single(loaded.Skipped).Sequence);
    }

    /// <summary>The high-water mark is replaced by every deleter: reading it while it is replaced is read again, not a failed append.</summary>
    [Fact]
    public async Task Append_HighWaterMarkReadTornByAConcurrentOverwrite_ReadsAgainAndAppends()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(S3TestServer.Endpoint);
        await using var sut = CreateStore(S3TestServer.Options(S3TestServer.UniquePrefix("torn-hw"), proxy.Endpoint, S3ConditionalWrites.Disabled));
        await sut.AppendAsync("hw_sys", null, seq => TestEnvelopes.Create("hw_sys", seq, "1"), Ct);
        await sut.AppendAsync("hw_sys", null, seq => TestEnvelopes.Create("hw_sys", seq, "2"), Ct);
        Assert.True(await sut.DeleteAsync("hw_sys", 2, Ct)); // the newest: its number becomes the high-water mark
        proxy.TearNextReads(S3SnapshotStore.MaxBodyReadAttempts - 1, keySuffix: ".highwater");

        var sequence = await sut.AppendAsync("hw_sys", null, seq => TestEnvelopes.Create("hw_sys", seq, "3"), Ct);

        Assert.Equal(3, sequence); // 2 is never reused
        Assert.Equal(0, proxy.PendingTears);
    }

    [Fact]
    public async Task Append_UnknownAccessKey_ThrowsPermanentWithoutTheSecret()
    {
        const string Secret = "wrong-secret-5f1c9a7e-do-not-print";
        var options = S3TestServer.Options(S3TestServer.UniquePrefix("auth"), conditional: S3ConditionalWrites.Disabled);
        // s3rver does not check SigV4 signatures, only that the access key exists.
        options.Credentials = new BasicAWSCredentials("AKIASTATEVAULTTEST01", Secret);
        options.MaxErrorRetry = 0;
        await using var sut = CreateStore(options);

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.AppendAsync("auth_sys", null, seq => TestEnvelopes.Create("auth_sys", seq, "1"), Ct));

        Assert.False(ex.IsTransient);
        Assert.Contains("InvalidAccessKeyId", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_MissingBucket_ThrowsPermanentNamingTheBucket()
    {
        var options = S3TestServer.Options(S3TestServer.UniquePrefix("nobucket"));
        options.BucketName = "statevault-no-such-bucket";
        await using var sut = CreateStore(options);

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.GetLatestSequenceAsync("x_sys", Ct));

        Assert.False(ex.IsTransient);
        Assert.Contains("statevault-no-such-bucket", ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Plays "another process": on the first snapshot PUT it writes its own object at the same key, after the store's
    /// write (an overwrite) or before it (a rival that won the key).
    /// </summary>
    private sealed class OverwritingClient(Uri endpoint, byte[] intruder, bool writeBefore = false) : AmazonS3Client(new AmazonS3Config
    {
        ServiceURL = endpoint.ToString(),
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    })
    {
        private int _done;

        public override async Task<PutObjectResponse> PutObjectAsync(PutObjectRequest request, CancellationToken cancellationToken = default)
        {
            var intrude = request.Key.EndsWith(".svsnap", StringComparison.Ordinal) && Interlocked.Exchange(ref _done, 1) == 0;
            if (intrude && writeBefore)
            {
                await base.PutObjectAsync(Intruder(request.Key), cancellationToken);
            }

            var response = await base.PutObjectAsync(request, cancellationToken);
            if (intrude && !writeBefore)
            {
                await base.PutObjectAsync(Intruder(request.Key), cancellationToken);
            }

            return response;
        }

        private PutObjectRequest Intruder(string key) => new()
        {
            BucketName = S3TestServer.Bucket,
            Key = key,
            InputStream = new MemoryStream(intruder),
            UseChunkEncoding = false,
        };
    }
}
