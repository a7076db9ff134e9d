namespace StateVault.Secrets;

/// <summary>What a vault does with a secret-looking value in a state being saved.</summary>
public enum SecretPolicy
{
    /// <summary>The save fails with <see cref="SecretDetectedException"/> naming the JSON path; nothing is written.</summary>
    Reject = 0,

    /// <summary>The value is replaced by <c>[REDACTED:&lt;kind&gt;:&lt;short hash&gt;]</c> and the save goes on.</summary>
    Redact = 1,

    /// <summary>No scan (for states that are known to hold no free text).</summary>
    Off = 2,
}
