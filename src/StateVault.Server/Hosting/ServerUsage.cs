using System.Reflection;
using StateVault.Storage;

namespace StateVault.Server.Hosting;

/// <summary>
/// The server's usage text, printed by <c>StateVault.Server --help</c> (or <c>-h</c>) and by <c>statevault serve --help</c>:
/// one text for both. <c>--version</c> prints <see cref="VersionLine"/>. Both answer before anything is configured, so
/// neither creates a folder, a store or a key.
/// </summary>
public static class ServerUsage
{
    /// <summary>The usage text (ends with a newline).</summary>
    public static string Text { get; } = $"""
        StateVault server: the eight managers, the HTTP API and the dashboard over one store.

        Usage:
          StateVault.Server [options]            (dotnet run --project src/StateVault.Server -- [options])
          statevault serve [options]              (the same server from the statevault tool)

        Options:
          --store <URI>          The store (also StateVault:Store, or the STATEVAULT_STORE variable).
                                 Default: {SnapshotStoreFactory.DefaultUri} (relative to the working folder).
                                   file:./data/persistent                     a folder; one file per snapshot
                                   sqlite:./data/statevault.db                one SQLite file
                                   postgresql://user:pass@host:5432/db        PostgreSQL, shared by many instances
                                   s3://bucket/prefix?endpoint=URL&region=R   S3-compatible object storage
                                   http://host:5080                           another StateVault server
                                   mirror:?primary=<URI>&secondary=<URI>      primary plus a verified replica
          --urls <URL[;URL]>     Where to listen (also ASPNETCORE_URLS). Default: {StateVaultServer.DefaultUrl} (loopback only).
          --<Key> <value>        Any configuration key, e.g. --StateVault:Server:Metrics:AllowAnonymous true.
          -h, --help             Print this text and exit.
          --version              Print the version and exit.

        Logging (standard output only; rotation belongs to journald, Docker or logrotate):
          Levels: Logging__LogLevel__Default=Warning (environment) or --Logging:LogLevel:Default Warning.
          One line per request: Logging__LogLevel__StateVault.Server.Requests=Debug (keys redacted).
          JSON lines for a log collector: Logging__Console__FormatterName=json.

        First start (no access key in the store yet):
          An admin key is created and written once to .statevault-admin-key beside the store's folder (file: stores), readable
          by the owner only (0600), or to StateVault:Server:FirstAdminKeyFile; the log names the file, never the key. The key
          itself is shown only when standard output is a terminal. Headless deployments create keys with
            statevault keys create --role admin --store <URI>
          and may turn the first key off with StateVault:Server:CreateFirstAdminKey=false.

        Probes and metrics:
          GET /health/live       200 while the process answers.
          GET /health/ready      200 when restored, the store answers and no change waits longer than
                                 StateVault:Server:Readiness:MaxPendingAge (default 1 min) for the store; else 503.
          GET /health            the overall status (Healthy, Degraded, Unhealthy).
                                 Without a key the probes answer the status only; a reader key sees each check.
          GET /metrics           Prometheus text; needs a reader key unless StateVault:Server:Metrics:AllowAnonymous=true.
                                 service.name is "statevault" unless OTEL_SERVICE_NAME says otherwise.

        Stop with Ctrl+C or SIGTERM: every changed manager is saved before the process exits.
        """ + Environment.NewLine;

    /// <summary>The one line <c>--version</c> prints: <c>StateVault.Server &lt;version&gt;</c>.</summary>
    public static string VersionLine => "StateVault.Server " + Version + Environment.NewLine;

    /// <summary>The server's version (the informational version without the commit suffix).</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>Whether <paramref name="args"/> ask for the usage text (<c>--help</c>, <c>-h</c>, <c>-?</c>).</summary>
    public static bool AsksForHelp(IEnumerable<string> args) => args.Any(a => a is "--help" or "-h" or "-?" or "/?");

    /// <summary>Whether <paramref name="args"/> ask for the version (<c>--version</c>).</summary>
    public static bool AsksForVersion(IEnumerable<string> args) => args.Any(a => a is "--version");

    private static string ReadVersion()
    {
        var assembly = typeof(ServerUsage).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        // The build appends "+<commit>"; the version alone is what an operator compares.
        return informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}
