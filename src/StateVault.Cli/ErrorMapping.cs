namespace StateVault.Cli;

/// <summary>The one place where exceptions become exit codes and one-line messages.</summary>
internal static class ErrorMapping
{
    /// <summary>The exit code and the message (one line, never a state value or a secret) for an exception.</summary>
    public static (int ExitCode, string Message) Map(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            CliException cli => (cli.ExitCode, cli.Message),
            // SecretDetectedException names the JSON path and kind, never the value.
            SecretDetectedException secret => (ExitCodes.InvalidInput, secret.Message),
            SnapshotConcurrencyException conflict => (ExitCodes.Conflict, conflict.Message),
            // A damaged snapshot that a command had to read (show --seq, restore, diff) is a failure of that command;
            // exit code 3 is kept for verify, which reports damage as its result.
            SnapshotCorruptedException corrupted => (ExitCodes.Failure, corrupted.Message),
            SnapshotSchemaException schema => (ExitCodes.Failure, schema.Message),
            SnapshotStoreException store => (ExitCodes.Failure, store.IsTransient ? $"{store.Message} (transient: retrying later may succeed)" : store.Message),
            StateVaultException other => (ExitCodes.Failure, other.Message),
            ArgumentException argument => (ExitCodes.InvalidInput, WithoutParameterName(argument)),
            OperationCanceledException => (ExitCodes.Failure, "Cancelled."),
            IOException or UnauthorizedAccessException => (ExitCodes.Failure, exception.Message),
            _ => (ExitCodes.Failure, $"Unexpected error ({exception.GetType().Name}): {exception.Message}"),
        };
    }

    /// <summary>Makes a message fit on one line.</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    // ArgumentException.Message appends " (Parameter 'x')", which says nothing to a command-line user.
    private static string WithoutParameterName(ArgumentException exception)
    {
        var message = exception.Message;
        var suffix = exception.ParamName is null ? null : $" (Parameter '{exception.ParamName}')";
        return suffix is not null && message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }
}
