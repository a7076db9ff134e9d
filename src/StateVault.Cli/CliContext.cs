using System.CommandLine;
using StateVault.Cli.Output;
using StateVault.Storage;

namespace StateVault.Cli;

/// <summary>
/// What one command invocation works with: its parsed arguments, the console, and the vault or stores it opens
/// (lazily, so a command that rejects its input never touches a store). Disposes what it opened.
/// </summary>
internal sealed class CliContext : IAsyncDisposable
{
    private readonly SnapshotStoreFactory _factory = new(StoreProviders.All);
    private readonly List<IAsyncDisposable> _opened = [];
    private SnapshotVault? _vault;

    public CliContext(ParseResult parseResult, CliConsole console, CancellationToken cancellationToken)
    {
        ParseResult = parseResult;
        Console = console;
        CancellationToken = cancellationToken;
    }

    public ParseResult ParseResult { get; }

    public CliConsole Console { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Whether <c>--json</c> was given.</summary>
    public bool Json => ParseResult.GetValue(GlobalOptions.Json);

    /// <summary>The store URI in force (<c>--store</c>, <c>STATEVAULT_STORE</c>, default).</summary>
    public string StoreUri => GlobalOptions.ResolveStore(ParseResult);

    /// <summary>The vault over <see cref="StoreUri"/>, opened on first use.</summary>
    /// <remarks>
    /// Retention after save is run by the commands themselves (<see cref="SnapshotVault.PruneAsync"/>) so that
    /// what it removed, or why it failed, is reported instead of only logged.
    /// </remarks>
    public SnapshotVault Vault
    {
        get
        {
            if (_vault is null)
            {
                var store = OpenStore(StoreUri);
                _vault = new SnapshotVault(store, new SnapshotVaultOptions { PruneAfterSave = false });
            }

            return _vault;
        }
    }

    public T? Get<T>(Option<T> option) => ParseResult.GetValue(option);

    public T? Get<T>(Argument<T> argument) => ParseResult.GetValue(argument);

    /// <summary>Opens a store by URI; it is disposed with the context.</summary>
    /// <exception cref="ArgumentException">The URI is malformed or its scheme is unknown.</exception>
    public ISnapshotStore OpenStore(string uri)
    {
        var store = _factory.Open(uri);
        _opened.Add(store);
        return store;
    }

    /// <summary>Writes a value as indented snake_case JSON on stdout.</summary>
    public void WriteJson<T>(T value) => JsonOutput.Write(Console.OutWriter, value);

    public async ValueTask DisposeAsync()
    {
        if (_vault is not null)
        {
            await _vault.DisposeAsync().ConfigureAwait(false);
        }

        for (var i = _opened.Count - 1; i >= 0; i--)
        {
            await _opened[i].DisposeAsync().ConfigureAwait(false);
        }
    }
}
