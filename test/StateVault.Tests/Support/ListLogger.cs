using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace StateVault.Tests.Support;

/// <summary>Captures every log entry (formatted message and exception text) so tests can assert what was, and was not, logged.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Id, string Text)> _entries = new();

    public IReadOnlyList<(LogLevel Level, EventId Id, string Text)> Entries => [.. _entries];

    /// <summary>Everything logged, messages and exceptions, as one string.</summary>
    public string AllText => string.Join('\n', _entries.Select(e => e.Text));

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var text = formatter(state, exception);
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            text += " | " + string.Join(", ", values.Select(v => $"{v.Key}={v.Value}"));
        }

        if (exception is not null)
        {
            text += " | " + exception;
        }

        _entries.Enqueue((logLevel, eventId, text));
    }
}
