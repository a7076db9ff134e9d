namespace StateVault.Cli;

/// <summary>
/// A failure a command reports with a chosen exit code and a one-line message, e.g. "not found" (the engine
/// returns <see langword="null"/> for that, and the command turns it into exit code 4).
/// </summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }

    public static CliException NotFound(string message) => new(ExitCodes.NotFound, message);

    public static CliException InvalidInput(string message, Exception? innerException = null) => new(ExitCodes.InvalidInput, message, innerException);
}
