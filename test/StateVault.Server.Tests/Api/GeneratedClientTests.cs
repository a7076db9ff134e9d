using StateVault.Server.Tests.Generated;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>
/// The API through a client generated at build time from <c>docs/openapi.json</c> (NSwag; see the test project file), which
/// <see cref="OpenApiDocumentTests"/> keeps equal to the served document. A success code, a body shape or an error the document
/// gets wrong makes the generated client throw or mis-read here, so the document cannot drift from the routes.
/// </summary>
public sealed class GeneratedClientTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync(cancellationToken: Ct);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GeneratedClient_KeySnapshotsAndRestore_RoundTripWithTheDocumentsSuccessCodes()
    {
        using var adminHttp = _server.Client(_server.AdminKey);
        var admin = Client(adminHttp);

        // 201 with the key, once.
        var created = await admin.PostKeysAsync(new CreateKeyRequest { Role = AccessRole.Writer, Description = "generated client" }, Ct);
        Assert.StartsWith("svk_", created.Key, StringComparison.Ordinal);
        Assert.Equal(AccessRole.Writer, created.Info.Role);
        using var writerHttp = _server.Client(created.Key);
        var sut = Client(writerHttp);
        Assert.Equal(AccessRole.Writer, (await sut.GetWhoamiAsync(Ct)).Role);

        // 201 with the snapshot's metadata; the state comes back as saved.
        var first = await sut.PostSystemsBySystemSnapshotsAsync("client_app", null, new Dictionary<string, object> { ["users"] = 3 }, Ct);
        var second = await sut.PostSystemsBySystemSnapshotsAsync("client_app", null, new Dictionary<string, object> { ["users"] = 7 }, Ct);
        Assert.Equal(1, first.Sequence);
        Assert.Equal(2, second.Sequence);
        Assert.Equal(64, second.Sha256.Length);
        var latest = await sut.GetSystemsBySystemSnapshotsLatestAsync("client_app", Ct);
        Assert.Equal("7", latest.AdditionalProperties["users"].ToString());
        var listed = await sut.GetSystemsBySystemSnapshotsAsync("client_app", Ct);
        Assert.Equal([2L, 1L], listed.Select(s => s.Sequence));

        // Restore: 201, a new newest snapshot holding #1's state. Verify: 200 with the counts.
        var restored = await sut.PostSystemsBySystemSnapshotsBySeqRestoreAsync("client_app", 1, Ct);
        Assert.Equal(3, restored.Sequence);
        Assert.Equal("3", (await sut.GetSystemsBySystemSnapshotsBySeqAsync("client_app", 3, Ct)).AdditionalProperties["users"].ToString());
        var verified = await sut.PostVerifyAsync("client_app", Ct);
        Assert.True(verified.Healthy);
        Assert.Equal(3, verified.Checked);

        // Delete: 204 (admin).
        await admin.DeleteSystemsBySystemSnapshotsBySeqAsync("client_app", 1, Ct);
        Assert.Equal([3L, 2L], (await sut.GetSystemsBySystemSnapshotsAsync("client_app", Ct)).Select(s => s.Sequence));
        var systems = await sut.GetSystemsAsync(Ct);
        Assert.Contains(systems, s => s.Name == "client_app" && s.LatestSequence == 3);
    }

    [Fact]
    public async Task GeneratedClient_ManagerRoutes_ReadAndChangeALiveManager()
    {
        using var http = _server.Client(_server.WriterKey);
        var sut = Client(http);

        var managers = await sut.GetManagersAsync(Ct);
        Assert.Equal(8, managers.Count);
        Assert.Contains(managers, m => m.Name == "health_thresholds" && m.System == "health_thresholds");

        var set = await sut.PutManagersHealthThresholdsThresholdsByMetricAsync("client_probe", new HealthThresholdsThresholdRequest { Warning = 70, Critical = 90 }, Ct);
        Assert.Equal(70, set.Warning);
        Assert.Equal(90, (await sut.GetManagersHealthThresholdsThresholdsByMetricAsync("client_probe", Ct)).Critical);
        var level = await sut.PostManagersHealthThresholdsEvaluateAsync(new HealthThresholdsMetricValue { Metric = "client_probe", Value = 95 }, Ct);
        Assert.Equal(HealthLevel.Critical, level.Level);
        await sut.DeleteManagersHealthThresholdsThresholdsByMetricAsync("client_probe", Ct);
        await sut.PostManagersByNameSaveAsync("health_thresholds", Ct);

        var failed = await sut.GetManagersDependenciesFailedAsync(Ct);
        Assert.Empty(failed.Failed);
        Assert.Empty(failed.Critical);
        var runs = await sut.GetManagersAiMlWorkflowsRunsAsync(Ct);
        Assert.Empty(runs.Active);
        Assert.Equal(0, (await sut.PostManagersGamingAlertsAlertsClearResolvedAsync(Ct)).Cleared);
    }

    [Fact]
    public async Task GeneratedClient_EachErrorKind_IsATypedProblemDetails()
    {
        using var anonymousHttp = _server.Client();
        using var readerHttp = _server.Client(_server.ReaderKey);
        using var writerHttp = _server.Client(_server.WriterKey);
        var anonymous = Client(anonymousHttp);
        var reader = Client(readerHttp);
        var sut = Client(writerHttp);
        await sut.PostSystemsBySystemSnapshotsAsync("errors_app", null, new Dictionary<string, object> { ["n"] = 1 }, Ct);

        await AssertProblemAsync(400, "Invalid system name", () => sut.GetSystemsBySystemSnapshotsAsync("Bad..Name", Ct));
        await AssertProblemAsync(401, "Authentication required", () => anonymous.GetSystemsAsync(Ct));
        await AssertProblemAsync(403, "Role too low", () => reader.PostSystemsBySystemSnapshotsAsync("errors_app", null, new Dictionary<string, object> { ["n"] = 2 }, Ct));
        await AssertProblemAsync(403, "Role too low", () => sut.GetKeysAsync(Ct));
        await AssertProblemAsync(404, "Snapshot not found", () => sut.GetSystemsBySystemSnapshotsBySeqAsync("errors_app", 99, Ct));
        await AssertProblemAsync(404, "No such manager", () => sut.GetManagersByNameAsync("no_such_manager", Ct));
        await AssertProblemAsync(404, "No such threshold", () => sut.GetManagersHealthThresholdsThresholdsByMetricAsync("no_such_metric", Ct));
        var owned = await AssertProblemAsync(409, "System owned by a running manager", () => sut.PostSystemsBySystemSnapshotsAsync("health_thresholds", null, new Dictionary<string, object> { ["n"] = 1 }, Ct));
        Assert.Equal("health_thresholds", owned.AdditionalProperties["manager"].ToString());
        var secret = await AssertProblemAsync(422, "Secret-looking value in the state", () => sut.PostSystemsBySystemSnapshotsAsync("errors_app", null, new Dictionary<string, object> { ["aws"] = "AKIAIOSFODNN7EXAMPLQ" }, Ct));
        Assert.Contains("aws", secret.AdditionalProperties["paths"].ToString(), StringComparison.Ordinal);
        var stale = await AssertProblemAsync(412, "Not the latest snapshot", () => sut.PostSystemsBySystemSnapshotsAsync("errors_app", "\"7\"", new Dictionary<string, object> { ["n"] = 2 }, Ct));
        Assert.Equal("1", stale.AdditionalProperties["latestSequence"].ToString());
        await AssertProblemAsync(400, "Invalid operation arguments", () => sut.PutManagersHealthThresholdsThresholdsByMetricAsync("client_probe", new HealthThresholdsThresholdRequest { Warning = 90, Critical = 10 }, Ct));

        // Nothing of the refused requests was written.
        Assert.Equal([1L], (await sut.GetSystemsBySystemSnapshotsAsync("errors_app", Ct)).Select(s => s.Sequence));
    }

    private StateVaultApiClient Client(HttpClient http) => new(http) { BaseUrl = _server.BaseAddress.ToString() };

    private static async Task<ProblemDetails> AssertProblemAsync(int status, string title, Func<Task> call)
    {
        var thrown = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(call);
        Assert.Equal(status, thrown.StatusCode);
        Assert.Equal(status, thrown.Result.Status);
        Assert.Equal(title, thrown.Result.Title);
        Assert.False(string.IsNullOrEmpty(thrown.Result.Detail));
        return thrown.Result;
    }
}
