using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using StateVault.Retention;
using Xunit;

namespace StateVault.Http.Tests;

/// <summary>
/// The server stores a snapshot but its answer never reaches the client (a 503 from a proxy, a timeout): the client's retry
/// must find its own write, not append the state again or report a conflict with itself.
/// </summary>
public sealed class HttpSnapshotStoreLostReplyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SaveAsync_ServerStoredButReplyLost_AcknowledgesOnceWithItsSequence(bool timeout)
    {
        var system = "lost_" + Guid.NewGuid().ToString("N")[..8];
        var faults = new LoseAppendReplies(timeout);
        await using var sut = new HttpSnapshotStore(
            new HttpSnapshotStoreOptions { BaseAddress = fixture.Server.BaseAddress, ApiKey = fixture.Server.AdminKey },
            NullLogger<HttpSnapshotStore>.Instance,
            faults);
        await using var vault = new SnapshotVault(sut, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll, RetryBaseDelay = TimeSpan.Zero });

        faults.LoseNext = 1;
        var first = await vault.SaveJsonAsync(system, """{"v":1}"""u8.ToArray(), cancellationToken: Ct);
        faults.LoseNext = 1;
        var second = await vault.SaveJsonAsync(system, """{"v":2}"""u8.ToArray(), new SaveOptions { ExpectedLatestSequence = 1 }, Ct);

        Assert.Equal(1, first.Sequence);
        Assert.Equal(2, second.Sequence);
        Assert.Equal(2, faults.Lost);
        Assert.Equal([2L, 1L], (await vault.ListAsync(system, Ct)).Select(l => l.Sequence));
        Assert.Equal("""{"v":2}""", Encoding.UTF8.GetString((await vault.LoadLatestJsonAsync(system, Ct))!.Json.Span));
    }

    /// <summary>Forwards every request; for the chosen appends, drops the server's 201 and answers 503 or times out instead.</summary>
    private sealed class LoseAppendReplies(bool timeout) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _loseNext;
        private int _lost;

        public int LoseNext
        {
            get => Volatile.Read(ref _loseNext);
            set => Volatile.Write(ref _loseNext, value);
        }

        public int Lost => Volatile.Read(ref _lost);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var isAppend = request.Method == HttpMethod.Put && request.RequestUri!.Query.Contains("append", StringComparison.Ordinal);
            if (!isAppend || response.StatusCode != HttpStatusCode.Created || Interlocked.Decrement(ref _loseNext) < 0)
            {
                return response;
            }

            // The snapshot is stored on the server; only the answer is lost.
            response.Dispose();
            Interlocked.Increment(ref _lost);
            if (timeout)
            {
                throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout.", new TimeoutException());
            }

            return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("upstream went away") };
        }
    }
}
