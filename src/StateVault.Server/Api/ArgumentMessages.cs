namespace StateVault.Server.Api;

/// <summary>
/// What a client reads of an <see cref="ArgumentException"/>: never .NET's own "Value cannot be null. (Parameter 'x')" but
/// the name of the value that is missing, and a message without the parameter suffix the runtime appends.
/// </summary>
internal static class ArgumentMessages
{
    public static string For(ArgumentException exception) => exception switch
    {
        ArgumentNullException { ParamName: { Length: > 0 } name } => $"'{name}' is required: it is missing or null.",
        ArgumentNullException => "A required value is missing or null.",
        { ParamName: { Length: > 0 } name } when exception.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal) =>
            exception.Message[..^$" (Parameter '{name}')".Length],
        _ => exception.Message,
    };
}
