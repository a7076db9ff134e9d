using System.Text.Json.Nodes;
using StateVault.Envelope;
using StateVault.Retention;
using StateVault.Storage;
using StateVault.TestKit;
using StateVault.Tests.Support;

namespace StateVault.Tests.Vault;

/// <summary>
/// Retention's re-check of the snapshots it keeps runs while the file store writes and flushes the new one; the store asks
/// for what to delete only once the new snapshot is durable, so the re-check still decides every delete.
/// </summary>
public sealed class SnapshotVaultOverlappedRetentionTests : IAsyncLifetime
{
    private readonly VaultHarness _h = new();

    private static CancellationToken Ct => VaultHarness.Ct;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task SaveAsync_KeptSnapshotDamagedWhileTheAppendWrites_IsSeenByTheRecheckAndTheGoodOldestStays()
    {
        var probe = new OverlapProbeStore((ISnapshotStoreWithPruningAppend)_h.Store);
        var sut = await KeepingFiveOfSixAsync(probe, "kept");

        // The next save's re-check of 4 waits until the store is writing snapshot 7; 4 is damaged at that moment.
        probe.HoldReadOf = 4;
        probe.OnEnvelope = () => _h.Corrupt("kept", 4);
        await sut.SaveAsync("kept", new JsonObject { ["v"] = 7 }, cancellationToken: Ct);

        Assert.True(probe.ReadWaitedForTheWrite, "the re-check of 4 was still running when the store wrote the new snapshot");
        // Five valid snapshots are 2, 3, 5, 6, 7: the good oldest 2 stays, the damaged 4 is quarantined.
        Assert.Equal([2L, 3L, 5L, 6L, 7L], _h.StoredSequences("kept"));
        Assert.Contains("kept-0000000000000000004.svsnap", _h.QuarantinedFiles("kept"));
    }

    [Fact]
    public async Task SaveAsync_RetentionListsOnlyOnceTheNewSnapshotIsOnDisk_CountsItOnceAndKeepsFive()
    {
        var probe = new LateListingStore((ISnapshotStoreWithPruningAppend)_h.Store);
        var sut = await KeepingFiveOfSixAsync(probe, "late");

        // Retention's listing for the next save runs only once snapshot 7 is durable, so it shows 7 next to the pending one.
        probe.HoldListing = true;
        await sut.SaveAsync("late", new JsonObject { ["v"] = 7 }, cancellationToken: Ct);

        Assert.True(probe.ListingSawTheNewSnapshot, "the listing ran after the new snapshot was written");
        Assert.Equal([3L, 4L, 5L, 6L, 7L], _h.StoredSequences("late"));
    }

    [Fact]
    public async Task SaveAsync_RetentionListsWhileTheStateIsStillBeingSerialized()
    {
        var probe = new LateListingStore((ISnapshotStoreWithPruningAppend)_h.Store);
        var sut = await KeepingFiveOfSixAsync(probe, "early");
        probe.Listed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var state = new SlowToSerialize(probe.Listed);

        await sut.SaveAsync("early", state, cancellationToken: Ct);

        Assert.True(state.ListingStartedFirst, "retention's listing had begun before the state was serialized");
        Assert.Equal([3L, 4L, 5L, 6L, 7L], _h.StoredSequences("early"));
    }

    [Fact]
    public async Task FileStoreAppend_AsksWhatToDeleteOnlyOnceTheNewSnapshotIsOnDisk()
    {
        var store = (ISnapshotStoreWithPruningAppend)_h.Store;
        var vault = _h.CreateVault(o => o.PruneAfterSave = false);
        for (var i = 1; i <= 3; i++)
        {
            await vault.SaveAsync("order", new JsonObject { ["v"] = i }, cancellationToken: Ct);
        }

        var template = await store.ReadAsync("order", 3, Ct);
        var newFileThere = false;
        var sequence = await store.AppendAsync(
            "order",
            3,
            seq => EnvelopeBytes.FromArray(Reframe(template!, seq)),
            _ =>
            {
                newFileThere = File.Exists(_h.SnapshotPath("order", 4));
                return Task.FromResult<IReadOnlyCollection<long>>([1L, 4L]);
            },
            Ct);

        Assert.Equal(4, sequence);
        Assert.True(newFileThere);
        Assert.Equal([2L, 3L, 4L], _h.StoredSequences("order")); // 1 deleted; 4 (the new one) never
    }

    [Fact]
    public async Task FileStoreAppend_WhatToDeleteFails_TheAppendStillStandsAndNothingIsDeleted()
    {
        var store = (ISnapshotStoreWithPruningAppend)_h.Store;
        var vault = _h.CreateVault(o => o.PruneAfterSave = false);
        await vault.SaveAsync("fails", new JsonObject { ["v"] = 1 }, cancellationToken: Ct);
        var template = await store.ReadAsync("fails", 1, Ct);

        var sequence = await store.AppendAsync(
            "fails",
            1,
            seq => EnvelopeBytes.FromArray(Reframe(template!, seq)),
            _ => Task.FromException<IReadOnlyCollection<long>>(new InvalidOperationException("planning failed")),
            Ct);

        Assert.Equal(2, sequence);
        Assert.Equal([1L, 2L], _h.StoredSequences("fails"));
    }

    /// <summary>A keep-last-5 vault over <paramref name="store"/> after six saves of <paramref name="system"/>: 2 to 6 are stored.</summary>
    private async Task<SnapshotVault> KeepingFiveOfSixAsync(ISnapshotStore store, string system)
    {
        var sut = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepLast = 5 }, store);
        for (var i = 1; i <= 6; i++)
        {
            await sut.SaveAsync(system, new JsonObject { ["v"] = i }, cancellationToken: Ct);
        }

        Assert.Equal([2L, 3L, 4L, 5L, 6L], _h.StoredSequences(system));
        return sut;
    }

    private static byte[] Reframe(byte[] envelope, long sequence)
    {
        var (header, payload) = SnapshotEnvelope.Decode(envelope);
        return SnapshotEnvelope.Create(header with { Sequence = sequence }, payload).ToArray();
    }

    /// <summary>A state whose serialization waits (bounded) for retention's listing, and records whether it came first.</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(SlowToSerializeConverter))]
    private sealed class SlowToSerialize(TaskCompletionSource listed)
    {
        public TaskCompletionSource Listed { get; } = listed;

        public bool ListingStartedFirst { get; set; }
    }

    private sealed class SlowToSerializeConverter : System.Text.Json.Serialization.JsonConverter<SlowToSerialize>
    {
        public override SlowToSerialize Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
            throw new NotSupportedException();

        public override void Write(System.Text.Json.Utf8JsonWriter writer, SlowToSerialize value, System.Text.Json.JsonSerializerOptions options)
        {
            // Bounded: a vault that listed only after serializing fails on the flag, not by hanging.
            value.ListingStartedFirst = value.Listed.Task.Wait(TimeSpan.FromSeconds(5), Ct);
            writer.WriteStartObject();
            writer.WriteBoolean("listing_started_first", value.ListingStartedFirst);
            writer.WriteEndObject();
        }
    }

    /// <summary>The file store, with a listing that waits (when asked to) until the append asks what to delete.</summary>
    private sealed class LateListingStore(ISnapshotStoreWithPruningAppend inner)
        : DelegatingSnapshotStore<ISnapshotStoreWithPruningAppend>(inner, ownsInner: false), ISnapshotStoreWithPruningAppend
    {
        private readonly TaskCompletionSource _asked = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool HoldListing { get; set; }

        /// <summary>Completes when a listing starts (replace it to watch for the next one).</summary>
        public TaskCompletionSource Listed { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool ListingSawTheNewSnapshot { get; private set; }

        public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, IReadOnlyCollection<long> deleteOlder, CancellationToken cancellationToken) =>
            Inner.AppendAsync(system, expectedLatestSequence, createEnvelope, deleteOlder, cancellationToken);

        public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, Func<CancellationToken, Task<IReadOnlyCollection<long>>> deleteOlder, CancellationToken cancellationToken) =>
            Inner.AppendAsync(system, expectedLatestSequence, createEnvelope, ct =>
            {
                _asked.TrySetResult();
                return deleteOlder(ct);
            }, cancellationToken);

        public override async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Listed.TrySetResult();
            var latest = 0L;
            if (HoldListing)
            {
                // Bounded, so a vault that waited for its plan before appending fails on the assertions instead of hanging.
                await Task.WhenAny(_asked.Task, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken));
                latest = await Inner.GetLatestSequenceAsync(system, cancellationToken);
            }

            await foreach (var item in Inner.ListAsync(system, cancellationToken))
            {
                ListingSawTheNewSnapshot |= HoldListing && item.Sequence == latest && _asked.Task.IsCompleted;
                yield return item;
            }
        }
    }

    /// <summary>The file store, with a read that waits for the next append's envelope and a hook at that moment.</summary>
    private sealed class OverlapProbeStore(ISnapshotStoreWithPruningAppend inner)
        : DelegatingSnapshotStore<ISnapshotStoreWithPruningAppend>(inner, ownsInner: false), ISnapshotStoreWithPruningAppend
    {
        private readonly TaskCompletionSource _writing = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long? HoldReadOf { get; set; }

        public Action? OnEnvelope { get; set; }

        public bool ReadWaitedForTheWrite { get; private set; }

        public override Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken) =>
            Inner.AppendAsync(system, expectedLatestSequence, Hooked(createEnvelope), cancellationToken);

        public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, IReadOnlyCollection<long> deleteOlder, CancellationToken cancellationToken) =>
            Inner.AppendAsync(system, expectedLatestSequence, Hooked(createEnvelope), deleteOlder, cancellationToken);

        // Forwarded, not left to the interface's default: the file store asks for the plan late, which is what this probes.
        public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, Func<CancellationToken, Task<IReadOnlyCollection<long>>> deleteOlder, CancellationToken cancellationToken) =>
            Inner.AppendAsync(system, expectedLatestSequence, Hooked(createEnvelope), deleteOlder, cancellationToken);

        public override async Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
        {
            if (sequence == HoldReadOf)
            {
                // Bounded: a store that asked for the plan before writing would never get here, and the test fails on the flag.
                ReadWaitedForTheWrite = await Task.WhenAny(_writing.Task, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken)) == _writing.Task;
            }

            return await Inner.ReadAsync(system, sequence, cancellationToken);
        }

        private Func<long, EnvelopeBytes> Hooked(Func<long, EnvelopeBytes> createEnvelope) => sequence =>
        {
            if (HoldReadOf is not null)
            {
                OnEnvelope?.Invoke();
                _writing.TrySetResult();
            }

            return createEnvelope(sequence);
        };
    }
}
