namespace StateVault.Server.Hosting;

/// <summary>
/// Where the server prints what a person at a terminal must see at start (the dashboard address, a new admin key).
/// Deliberately not a logger: the key must never reach a log sink. Nothing is printed here unless
/// <see cref="IsInteractive"/>: redirected output belongs to the log stream (and may be JSON lines only).
/// </summary>
/// <param name="writer">The writer; standard output by default.</param>
/// <param name="isInteractive">Whether <paramref name="writer"/> is a terminal a person reads (not a pipe, file or log collector).</param>
public sealed class ServerConsole(TextWriter writer, bool isInteractive = false)
{
    /// <summary>The writer.</summary>
    public TextWriter Writer { get; } = writer;

    /// <summary>Whether <see cref="Writer"/> is an interactive terminal; only then does the server print the banner and a new key on it.</summary>
    /// <value><see langword="false"/> unless given.</value>
    public bool IsInteractive { get; } = isInteractive;
}
