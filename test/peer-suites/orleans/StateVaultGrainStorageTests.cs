// StateVault's provider-under-test file for the Orleans.Persistence.TestKit conformance suite (../shared/peer-suites/orleans).
// scripts/peer-suites.sh copies the suite to a temporary folder, drops this file in as
// tests/Orleans.Persistence.TestKit.Tests/ProviderUnderTest/StateVaultGrainStorageTests.cs, references
// src/StateVault.Orleans and src/StateVault.PostgreSql, and runs it once per store with STATEVAULT_PEER_STORE set
// (file:<temporary folder> and the test PostgreSQL with a fresh schema), so one build serves both stores.
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Persistence.TestKit;
using Xunit;

namespace Orleans.Persistence.TestKit.Tests.ProviderUnderTest;

public class ProviderUnderTestFixture : GrainStorageTestFixture, IAsyncLifetime
{
    public const string StoreVariable = "STATEVAULT_PEER_STORE";

    protected override string StorageProviderName => "StateVault";

    protected override void CheckPreconditionsOrThrow()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(StoreVariable)))
        {
            throw new InvalidOperationException($"{StoreVariable} is not set: run this suite through scripts/peer-suites.sh, which sets it to the store under test.");
        }
    }

    protected override void ConfigureSilo(ISiloBuilder siloBuilder)
    {
        siloBuilder.Services.AddPostgreSqlSnapshotStoreProvider();
        siloBuilder.AddStateVaultGrainStorage(StorageProviderName, options =>
        {
            options.Store = Environment.GetEnvironmentVariable(StoreVariable)!;
            // Orleans writes every state change; keep a short history per grain, as a service would.
            options.Vault.Retention = new StateVault.Retention.RetentionPolicy { KeepLast = 3 };
        });
    }
}

public class ProviderUnderTestGrainStorageTests : GrainStorageTestRunner, IClassFixture<ProviderUnderTestFixture>
{
    public ProviderUnderTestGrainStorageTests(ProviderUnderTestFixture fixture) : base(fixture.Storage)
    {
    }

    [Fact] public override Task PersistenceStorage_WriteReadIdCyrillic() => base.PersistenceStorage_WriteReadIdCyrillic();
    [Fact] public override Task PersistenceStorage_WriteDuplicateFailsWithInconsistentStateException() => base.PersistenceStorage_WriteDuplicateFailsWithInconsistentStateException();
    [Fact] public override Task PersistenceStorage_WriteInconsistentFailsWithInconsistentStateException() => base.PersistenceStorage_WriteInconsistentFailsWithInconsistentStateException();
    [Fact] public override Task PersistenceStorage_WriteReadWriteReadStatesInParallel() => base.PersistenceStorage_WriteReadWriteReadStatesInParallel();
    [Fact] public override Task PersistenceStorage_ReadNonExistentState() => base.PersistenceStorage_ReadNonExistentState();
    [Fact] public override Task PersistenceStorage_ReadNonExistentStateHasNonNullState() => base.PersistenceStorage_ReadNonExistentStateHasNonNullState();
    [Fact] public override Task PersistenceStorage_WriteClearWrite() => base.PersistenceStorage_WriteClearWrite();
    [Fact] public override Task PersistenceStorage_WriteClearRead() => base.PersistenceStorage_WriteClearRead();
    [Fact] public override Task PersistenceStorage_WriteReadClearReadCycle() => base.PersistenceStorage_WriteReadClearReadCycle();
    [Fact] public override Task PersistenceStorage_WriteRead_StringKey() => base.PersistenceStorage_WriteRead_StringKey();
    [Fact] public override Task PersistenceStorage_WriteRead_IntegerKey() => base.PersistenceStorage_WriteRead_IntegerKey();
    [Fact] public override Task PersistenceStorage_ETagChangesOnWrite() => base.PersistenceStorage_ETagChangesOnWrite();
    [Fact] public override Task PersistenceStorage_ClearBeforeWrite() => base.PersistenceStorage_ClearBeforeWrite();
    [Fact] public override Task PersistenceStorage_ClearStateDoesNotNullifyState() => base.PersistenceStorage_ClearStateDoesNotNullifyState();
    [Fact] public override Task PersistenceStorage_ClearUpdatesETag() => base.PersistenceStorage_ClearUpdatesETag();
    [Fact] public override Task PersistenceStorage_ReadAfterClear() => base.PersistenceStorage_ReadAfterClear();
    [Fact] public override Task PersistenceStorage_MultipleClearOperations() => base.PersistenceStorage_MultipleClearOperations();
    [Fact] public override Task PersistenceStorage_WriteWithSameValuesUpdatesETag() => base.PersistenceStorage_WriteWithSameValuesUpdatesETag();
    [Fact] public override Task PersistenceStorage_StateNamesUseIndependentRecords() => base.PersistenceStorage_StateNamesUseIndependentRecords();
    [Fact] public override Task PersistenceStorage_ClearInconsistentFailsWithInconsistentStateException() => base.PersistenceStorage_ClearInconsistentFailsWithInconsistentStateException();

    // Generated Read/Write/Clear sequences with current, stale and null ETags, checked against the kit's model.
    // StateVault keeps a tombstone on Clear (ETag not null), so the kit checks the retained-record model.
    [Fact, Trait("Category", "ModelBased")]
    public Task GrainStorage_ModelBasedGeneratedConformance()
        => new GrainStorageModelBasedTestRunner(Storage, "StateVault").RunGeneratedConformanceTests();
}
