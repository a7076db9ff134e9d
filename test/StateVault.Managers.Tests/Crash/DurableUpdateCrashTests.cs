using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace StateVault.Managers.Tests.Crash;

/// <summary>
/// The library API's promise: once an awaited <see cref="StateCell{TState}.UpdateAsync(Func{TState, TState}, CancellationToken)"/>
/// returned, the change survives kill -9. A child process increments a counter through it and prints <c>ACK n</c> after each call
/// returned; it is SIGKILLed right after an ACK, and a fresh process must restore at least the highest value it acknowledged.
/// </summary>
public sealed class DurableUpdateCrashTests(ITestOutputHelper output)
{
    // Each kill costs two process starts (about 1 s each on an idle 2-core machine, several times that when it is shared).
    private const int Kills = 8;

    private static string ChildDll => Path.Combine(AppContext.BaseDirectory, "StateVault.DurableChild.dll");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UpdateAsync_ProcessKilledRightAfterAcknowledgement_AcknowledgedValueRestored()
    {
        Assert.True(File.Exists(ChildDll), $"{ChildDll} is built next to the tests");
        using var dir = new TempDirectory();
        var random = new Random(Environment.TickCount);
        long acknowledged = 0;
        for (var round = 0; round < Kills; round++)
        {
            using var child = Start(dir.Store, "loop");
            Assert.Equal("READY", await ReadLineAsync(child));
            var wanted = random.Next(1, 15);
            long highest = 0;
            for (var i = 0; i < wanted; i++)
            {
                highest = ParseAck(await ReadLineAsync(child));
            }

            child.Kill(entireProcessTree: false);
            await child.WaitForExitAsync(Ct);
            // Every ACK the child printed before it died counts as acknowledged.
            while (await child.StandardOutput.ReadLineAsync(Ct) is { } line)
            {
                if (line.StartsWith("ACK ", StringComparison.Ordinal))
                {
                    highest = ParseAck(line);
                }
            }

            using var reader = Start(dir.Store, "read");
            var restored = long.Parse((await ReadLineAsync(reader))["COUNT ".Length..], CultureInfo.InvariantCulture);
            await reader.WaitForExitAsync(Ct);
            Assert.True(restored >= highest, $"round {round}: {highest} was acknowledged but {restored} was restored");
            Assert.True(restored <= highest + 1, $"round {round}: restored {restored}, more than the one change in flight after {highest}");
            Assert.True(highest > acknowledged, "every round acknowledges new changes");
            acknowledged = highest;
        }

        output.WriteLine($"{Kills} SIGKILLs right after an acknowledged UpdateAsync; the last acknowledged value was {acknowledged}; none lost");
    }

    private static Process Start(string root, string mode)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ChildDll);
        info.ArgumentList.Add(root);
        info.ArgumentList.Add(mode);
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<string> ReadLineAsync(Process process)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        return await process.StandardOutput.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException($"the child exited early (code {(process.HasExited ? process.ExitCode : -1)})");
    }

    private static long ParseAck(string line)
    {
        Assert.StartsWith("ACK ", line, StringComparison.Ordinal);
        return long.Parse(line.AsSpan(4), CultureInfo.InvariantCulture);
    }
}
