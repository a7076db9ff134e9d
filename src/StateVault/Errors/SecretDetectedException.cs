namespace StateVault;

/// <summary>
/// A save was rejected because a value in the state looks like a secret. The message names the
/// JSON path and the kind of secret, never the value. Nothing was written.
/// </summary>
public sealed class SecretDetectedException : StateVaultException
{
    /// <summary>Creates the exception.</summary>
    public SecretDetectedException(string system, IReadOnlyList<SecretFinding> findings)
        : base(BuildMessage(system, findings))
    {
        System = system;
        Findings = findings;
    }

    /// <summary>The system whose state was rejected.</summary>
    public string System { get; }

    /// <summary>Where the secret-looking values are (paths and kinds only).</summary>
    public IReadOnlyList<SecretFinding> Findings { get; }

    /// <summary>The JSON path of the first finding.</summary>
    public string Path => Findings.Count > 0 ? Findings[0].Path : "$";

    private static string BuildMessage(string system, IReadOnlyList<SecretFinding> findings)
    {
        var where = string.Join(", ", findings.Take(5).Select(f => $"{f.Path} ({f.Kind})"));
        var more = findings.Count > 5 ? $" and {findings.Count - 5} more" : string.Empty;
        return $"Refusing to save system '{system}': secret-looking value at {where}{more}. Mark the member [Sensitive] or remove the value; nothing was written.";
    }
}
