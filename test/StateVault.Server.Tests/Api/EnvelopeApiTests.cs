using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StateVault.Server.Tests.Support;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.Api;

public sealed class EnvelopeApiTests : IAsyncLifetime
{
    private ServerHost _sut = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _sut = await ServerHost.StartAsync(cancellationToken: Ct);

    public async ValueTask DisposeAsync() => await _sut.DisposeAsync();

    private static ByteArrayContent Envelope(string system, long sequence, string json = "{}") => new(TestEnvelopes.Create(system, sequence, json).ToArray());

    [Fact]
    public async Task PutAppend_NextSequenceSucceedsAndAnyOtherIs409WithTheLatest()
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var first = await client.PutAsync("api/systems/remote/envelopes/1?append=true", Envelope("remote", 1), Ct);
        using var skipped = await client.PutAsync("api/systems/remote/envelopes/3?append=true", Envelope("remote", 3), Ct);
        using var again = await client.PutAsync("api/systems/remote/envelopes/1?append=true", Envelope("remote", 1), Ct);
        var listing = await client.GetFromJsonAsync<JsonElement>("api/systems/remote/envelopes", Ct);
        var bytes = await client.GetByteArrayAsync("api/systems/remote/envelopes/1", Ct);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(1, (await SnapshotApiTests.ProblemAsync(skipped, HttpStatusCode.Conflict)).GetProperty("latestSequence").GetInt64());
        Assert.Equal(1, (await SnapshotApiTests.ProblemAsync(again, HttpStatusCode.Conflict)).GetProperty("latestSequence").GetInt64());
        Assert.Equal(1, listing.GetProperty("latestSequence").GetInt64());
        Assert.Equal(1, listing.GetProperty("snapshots").GetArrayLength());
        Assert.Equal(TestEnvelopes.Create("remote", 1, "{}").ToArray(), bytes);
    }

    [Fact]
    public async Task PutImport_IsCreateOnly()
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var created = await client.PutAsync("api/systems/imported/envelopes/7", Envelope("imported", 7), Ct);
        using var exists = await client.PutAsync("api/systems/imported/envelopes/7", Envelope("imported", 7, """{"other":1}"""), Ct);
        var systems = await client.GetFromJsonAsync<JsonElement>("api/envelopes", Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await SnapshotApiTests.ProblemAsync(exists, HttpStatusCode.PreconditionFailed);
        Assert.Equal(["imported"], systems.GetProperty("systems").EnumerateArray().Select(s => s.GetString()).Where(s => _sut.Managers.FindBySystem(s!) is null));
        Assert.Equal("{}", await client.GetStringAsync("api/systems/imported/snapshots/7", Ct));
    }

    [Fact]
    public async Task Put_EnvelopeForAnotherSystemOrSequenceOrDamaged_Is400AndWritesNothing()
    {
        using var client = _sut.Client(_sut.WriterKey);
        var damaged = TestEnvelopes.Create("remote", 1, """{"v":1}""").ToArray();
        damaged[^2] ^= 1;

        using var otherSystem = await client.PutAsync("api/systems/remote/envelopes/1?append=true", Envelope("elsewhere", 1), Ct);
        using var otherSequence = await client.PutAsync("api/systems/remote/envelopes/1?append=true", Envelope("remote", 2), Ct);
        using var broken = await client.PutAsync("api/systems/remote/envelopes/1", new ByteArrayContent(damaged), Ct);

        await SnapshotApiTests.ProblemAsync(otherSystem, HttpStatusCode.BadRequest);
        await SnapshotApiTests.ProblemAsync(otherSequence, HttpStatusCode.BadRequest);
        Assert.Contains("checksum", (await SnapshotApiTests.ProblemAsync(broken, HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(_sut.StoredFiles());
    }

    [Fact]
    public async Task Put_ToAManagerOwnedSystem_Is409()
    {
        using var client = _sut.Client(_sut.AdminKey);

        using var response = await client.PutAsync("api/systems/gaming_alerts/envelopes/1?append=true", Envelope("gaming_alerts", 1), Ct);

        Assert.Equal("urn:statevault:problem:system-owned", (await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.Conflict)).GetProperty("type").GetString());
        Assert.Empty(_sut.StoredFiles());
    }

    [Fact]
    public async Task DeleteAndQuarantine_RemoveFromTheListingAndMissingOnesAre404()
    {
        using var client = _sut.Client(_sut.AdminKey);
        for (var i = 1; i <= 3; i++)
        {
            (await client.PutAsync($"api/systems/remote/envelopes/{i}?append=true", Envelope("remote", i), Ct)).EnsureSuccessStatusCode();
        }

        using var deleted = await client.DeleteAsync("api/systems/remote/envelopes/1", Ct);
        using var quarantined = await client.PostAsJsonAsync("api/systems/remote/envelopes/2/quarantine", new { reason = "test" }, Ct);
        using var missing = await client.DeleteAsync("api/systems/remote/envelopes/1", Ct);
        using var missingRead = await client.GetAsync("api/systems/remote/envelopes/1", Ct);
        var listing = await client.GetFromJsonAsync<JsonElement>("api/systems/remote/envelopes", Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, quarantined.StatusCode);
        Assert.Equal("urn:statevault:problem:snapshot-not-found", (await SnapshotApiTests.ProblemAsync(missing, HttpStatusCode.NotFound)).GetProperty("type").GetString());
        await SnapshotApiTests.ProblemAsync(missingRead, HttpStatusCode.NotFound);
        Assert.Equal([3L], listing.GetProperty("snapshots").EnumerateArray().Select(s => s.GetProperty("sequence").GetInt64()));
        Assert.Equal(3, listing.GetProperty("latestSequence").GetInt64());
        Assert.Single(Directory.GetFiles(Path.Combine(_sut.StoreRoot, "remote", ".quarantine"), "*.svsnap"));
    }
}
