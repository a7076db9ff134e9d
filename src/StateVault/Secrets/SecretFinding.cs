namespace StateVault;

/// <summary>Where a secret-looking value was found: the JSON path and the kind, never the value.</summary>
/// <param name="Path">JSON path such as <c>$.messages[3].content</c>.</param>
/// <param name="Kind">The kind of secret, e.g. <c>openai-key</c>.</param>
public sealed record SecretFinding(string Path, string Kind);
