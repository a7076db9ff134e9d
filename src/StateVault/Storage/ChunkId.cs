namespace StateVault.Storage;

/// <summary>
/// The id of a chunk: the SHA-256 of its decoded content as 64 lowercase hex digits. Safe as a file name, an object key
/// segment and a SQL parameter; anything else is refused before a store touches its backend.
/// </summary>
public static class ChunkId
{
    /// <summary>The length of every chunk id.</summary>
    public const int Length = 64;

    /// <summary>Whether <paramref name="id"/> is 64 lowercase hex digits.</summary>
    public static bool IsValid(string? id)
    {
        if (id is null || id.Length != Length)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns <paramref name="id"/> when valid; otherwise throws.</summary>
    /// <exception cref="ArgumentException">The id is not 64 lowercase hex digits.</exception>
    public static string Validate(string? id, string? paramName = null) =>
        IsValid(id) ? id! : throw new ArgumentException("A chunk id is 64 lowercase hex digits (the SHA-256 of the chunk's content).", paramName ?? nameof(id));
}
