using Spectre.Console;

namespace StateVault.Cli;

/// <summary>
/// The process's standard streams. Data goes to stdout (tables, JSON, a state); progress, warnings and errors
/// go to stderr, so <c>statevault show x &gt; state.json</c> and <c>--json | jq</c> always get clean data.
/// </summary>
internal sealed class CliConsole
{
    private const int RedirectedWidth = 200;

    // Created on first use: JSON output and show never need them, and they cost start-up time.
    private readonly Lazy<IAnsiConsole> _out = new(() => CreateAnsiConsole(Console.Out, Console.IsOutputRedirected));
    private readonly Lazy<IAnsiConsole> _error = new(() => CreateAnsiConsole(Console.Error, Console.IsErrorRedirected));

    private CliConsole()
    {
    }

    public static CliConsole System { get; } = new();

    /// <summary>Tables and text on stdout.</summary>
    public IAnsiConsole Out => _out.Value;

    /// <summary>Progress on stderr.</summary>
    public IAnsiConsole Error => _error.Value;

    /// <summary>Plain stdout, for JSON.</summary>
    public TextWriter OutWriter => Console.Out;

    /// <summary>Whether stdin is a pipe or file (so reading it will not wait for a person to type).</summary>
    public bool IsInputRedirected => Console.IsInputRedirected;

    /// <summary>Whether stdout is a pipe or file.</summary>
    public bool IsOutputRedirected => Console.IsOutputRedirected;

    /// <summary>Whether a live progress bar can be drawn on stderr (a terminal, not a pipe or log file).</summary>
    public bool CanShowProgress => !Console.IsErrorRedirected && Error.Profile.Capabilities.Interactive;

    public Stream OpenInput() => Console.OpenStandardInput();

    public Stream OpenOutput() => Console.OpenStandardOutput();

    /// <summary>Writes <c>statevault: error: message</c> as one line on stderr.</summary>
    public void WriteError(string message) => WriteLine("error", message);

    /// <summary>Writes <c>statevault: warning: message</c> as one line on stderr.</summary>
    public void WriteWarning(string message) => WriteLine("warning", message);

    /// <summary>Writes <c>statevault: message</c> as one line on stderr.</summary>
    public void WriteNote(string message) => WriteLine(null, message);

    private static void WriteLine(string? level, string message)
    {
        Console.Out.Flush();
        var prefix = level is null ? "statevault: " : $"statevault: {level}: ";
        Console.Error.WriteLine(prefix + ErrorMapping.OneLine(message));
        Console.Error.Flush();
    }

    private static IAnsiConsole CreateAnsiConsole(TextWriter writer, bool redirected)
    {
        // A pipe or a file gets plain text: no colours, no cursor movement, no live rendering.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            // Spectre assumes 80 columns without a terminal and would wrap table cells; a file has no width.
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : RedirectedWidth;
        }

        return console;
    }
}
