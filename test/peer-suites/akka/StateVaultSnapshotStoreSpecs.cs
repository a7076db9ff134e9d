// StateVault's plugin-under-test file for the Akka.Persistence.TCK snapshot specs (../shared/peer-suites/akka-tck).
// scripts/peer-suites.sh copies the suite to a temporary folder, drops this file in as
// tests/Akka.Persistence.TCK.Tests/PluginUnderTest/StateVaultSnapshotStoreSpecs.cs, references src/StateVault.Akka and
// src/StateVault.PostgreSql, and runs it once per store with STATEVAULT_PEER_STORE set (file:<temporary folder> and the
// test PostgreSQL with a fresh schema), so one build serves both stores.
using System;
using Akka.Configuration;
using Akka.Persistence.TCK.Serialization;
using Akka.Persistence.TCK.Snapshot;
using Xunit;
using Xunit.Abstractions;

namespace Akka.Persistence.TCK.Tests.PluginUnderTest
{
    internal static class PluginUnderTestConfig
    {
        public const string StoreVariable = "STATEVAULT_PEER_STORE";

        public const string PluginClass = "StateVault.Akka.StateVaultSnapshotStore, StateVault.Akka";

        public static Config Create()
        {
            var store = Environment.GetEnvironmentVariable(StoreVariable);
            if (string.IsNullOrWhiteSpace(store))
            {
                throw new InvalidOperationException($"{StoreVariable} is not set: run this suite through scripts/peer-suites.sh, which sets it to the store under test.");
            }

            return ConfigurationFactory.ParseString($@"
                akka.test.timefactor = 3
                akka.persistence.snapshot-store {{
                    plugin = ""akka.persistence.snapshot-store.under-test""
                    under-test {{
                        class = ""{PluginClass}""
                        plugin-dispatcher = ""akka.actor.default-dispatcher""
                        store = ""{store}""
                    }}
                }}");
        }
    }

    // The 14 facts of SnapshotStoreSpec, and two of ours on persistence ids that are not valid system names as they are.
    public class PluginUnderTest_SnapshotStoreSpec : SnapshotStoreSpec
    {
        public PluginUnderTest_SnapshotStoreSpec(ITestOutputHelper output)
            : base(PluginUnderTestConfig.Create(), "PluginUnderTestSnapshotStoreSpec", output)
        {
            Initialize();
        }

        protected override bool SupportsSerialization => true;

        [Fact]
        public void StateVaultSnapshotStore_can_snapshot_actors_with_PersistenceId_containing_invalid_path_characters()
        {
            var pid = @"p\/:*?-1";
            SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(pid, 1, Sys.Scheduler.Now.UtcDateTime), "sample data"), TestActor);
            ExpectMsg<SaveSnapshotSuccess>();

            SnapshotStore.Tell(new LoadSnapshot(pid, SnapshotSelectionCriteria.Latest, long.MaxValue), TestActor);
            ExpectMsg<LoadSnapshotResult>(res =>
                res.Snapshot.Snapshot.Equals("sample data")
                && res.Snapshot.Metadata.PersistenceId == pid
                && res.Snapshot.Metadata.SequenceNr == 1);
        }

        [Fact]
        public void StateVaultSnapshotStore_keeps_long_PersistenceIds_that_share_a_prefix_apart()
        {
            var first = "Order/" + new string('x', 120) + "/1";
            var second = "Order/" + new string('x', 120) + "/2";
            SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(first, 1, Sys.Scheduler.Now.UtcDateTime), "first"), TestActor);
            ExpectMsg<SaveSnapshotSuccess>();
            SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(second, 1, Sys.Scheduler.Now.UtcDateTime), "second"), TestActor);
            ExpectMsg<SaveSnapshotSuccess>();

            SnapshotStore.Tell(new LoadSnapshot(first, SnapshotSelectionCriteria.Latest, long.MaxValue), TestActor);
            ExpectMsg<LoadSnapshotResult>(res => res.Snapshot.Snapshot.Equals("first") && res.Snapshot.Metadata.PersistenceId == first);
            SnapshotStore.Tell(new LoadSnapshot(second, SnapshotSelectionCriteria.Latest, long.MaxValue), TestActor);
            ExpectMsg<LoadSnapshotResult>(res => res.Snapshot.Snapshot.Equals("second") && res.Snapshot.Metadata.PersistenceId == second);
        }
    }

    // The SaveSnapshot spec with the upstream default SupportsConcurrentSaves = false (as every upstream plugin spec; with
    // true its two "rapid" facts fail on Akka's own stores too: the harness re-creates a fixed actor name, see the suite README).
    public class PluginUnderTest_SnapshotStoreSaveSnapshotSpec : SnapshotStoreSaveSnapshotSpec
    {
        public PluginUnderTest_SnapshotStoreSaveSnapshotSpec(ITestOutputHelper output)
            : base(PluginUnderTestConfig.Create(), "PluginUnderTestSaveSnapshotSpec", output)
        {
        }
    }

    // Custom serializers (Serializer with a type manifest, SerializerWithStringManifest) and Akka's own snapshot types round-trip.
    public class PluginUnderTest_SnapshotStoreSerializationSpec : SnapshotStoreSerializationSpec
    {
        public PluginUnderTest_SnapshotStoreSerializationSpec(ITestOutputHelper output)
            : base(PluginUnderTestConfig.Create(), "PluginUnderTestSerializationSpec", output)
        {
        }
    }
}
