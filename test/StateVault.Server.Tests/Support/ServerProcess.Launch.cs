using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace StateVault.Server.Tests.Support;

/// <summary>
/// Starting, waiting for and ending real server processes with ownership by lease. No test framework here: the
/// multi-instance benchmark (bench/StateVault.Server.Benchmarks) compiles this file too.
/// </summary>
internal static partial class ServerProcess
{
    public const string Secret = "failover-test-fingerprint-secret";

    private static string ServerDll => Path.Combine(AppContext.BaseDirectory, "StateVault.Server.dll");

    /// <summary>Starts a server on <paramref name="store"/> at <paramref name="url"/>; with <paramref name="firstKeyFile"/>, the first admin key goes there.</summary>
    public static Process Start(string store, string url, string instanceId, string? firstKeyFile = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            ServerDll, "--urls", url, "--store", store,
            "--StateVault:Ownership:Enabled", "true",
            "--StateVault:Ownership:LeaseDuration", "00:00:01",
            "--StateVault:Ownership:RenewInterval", "00:00:00.300",
            "--StateVault:Ownership:InstanceId", instanceId,
            "--StateVault:Ownership:AdvertisedUrl", url,
            "--StateVault:RefreshInterval", "00:00:00.200",
            "--Logging:LogLevel:Default", "Warning",
            // The start banner (the dashboard address) is a log line when output is not a terminal.
            "--Logging:LogLevel:StateVault.Server.Hosting.FirstStartService", "Information",
        })
        {
            info.ArgumentList.Add(argument);
        }

        if (firstKeyFile is not null)
        {
            // The first admin key never goes to the output: it is written to this file, and the log names the file.
            info.ArgumentList.Add("--StateVault:Server:FirstAdminKeyFile");
            info.ArgumentList.Add(firstKeyFile);
        }

        info.Environment["StateVault__Managers__ApiKeys__FingerprintSecret"] = Secret;
        info.Environment["DOTNET_TieredPGO"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Starts the first server with a first-key file and returns it with the first admin key (the file is deleted once read).</summary>
    public static async Task<(Process Process, string AdminKey)> StartFirstAsync(string store, string url, string instanceId, CancellationToken ct)
    {
        var keyFile = Path.Combine(Path.GetTempPath(), "sv-instances-" + Guid.NewGuid().ToString("N") + ".admin-key");
        var process = Start(store, url, instanceId, keyFile);
        try
        {
            return (process, await WaitReadyAsync(process, keyFile, ct) ?? throw new InvalidOperationException("no admin key written"));
        }
        catch
        {
            Stop(process);
            throw;
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    /// <summary>Waits for the start banner (a log line) and, given the first-key file, for the log line naming it; returns the key.</summary>
    public static async Task<string?> WaitReadyAsync(Process process, string? keyFile, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(90));
        var ready = false;
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            var text = line.Trim();
            if (text.StartsWith("StateVault dashboard: ", StringComparison.Ordinal))
            {
                ready = true;
                if (keyFile is null)
                {
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return null;
                }
            }
            else if (keyFile is not null && ready && text.Contains(keyFile, StringComparison.Ordinal))
            {
                // Logged once the file is in place (written to a temporary file, then renamed).
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return (await File.ReadAllTextAsync(keyFile, deadline.Token)).Trim();
            }
        }

        throw new InvalidOperationException($"the server exited before it was ready (code {(process.HasExited ? process.ExitCode : -1)})");
    }

    /// <summary>SIGKILLs the process (no final save, no lease release) and waits for it to end.</summary>
    public static async Task KillAsync(Process process, CancellationToken ct)
    {
        process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync(ct);
        process.Dispose();
    }

    /// <summary>Ends a process still running (test clean-up).</summary>
    public static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    /// <summary>A client of the server at <paramref name="url"/> with <paramref name="key"/>.</summary>
    public static HttpClient Client(string url, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>A loopback URL on a port free at the time of the call.</summary>
    public static string FreeUrl()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return "http://127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }
}
