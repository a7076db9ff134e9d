namespace StateVault.Server.Hosting;

/// <summary>
/// Where the server prints what a person must see at start (the dashboard address, a new admin key). Deliberately not a
/// logger: the key is printed once to the terminal and must never reach a log sink.
/// </summary>
/// <param name="writer">The writer; standard output by default.</param>
public sealed class ServerConsole(TextWriter writer)
{
    /// <summary>The writer.</summary>
    public TextWriter Writer { get; } = writer;
}
