using Microsoft.Extensions.Options;

namespace StateVault.Sqlite;

/// <summary>Validates <see cref="SqliteSnapshotStoreOptions"/> (registered with <c>ValidateOnStart</c> by the DI extensions).</summary>
internal sealed class SqliteSnapshotStoreOptionsValidator : IValidateOptions<SqliteSnapshotStoreOptions>
{
    /// <summary>The longest busy timeout SQLite accepts (its <c>busy_timeout</c> is an int of milliseconds).</summary>
    public static readonly TimeSpan MaxBusyTimeout = TimeSpan.FromMilliseconds(int.MaxValue);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SqliteSnapshotStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            failures.Add("DatabasePath is required (e.g. ./data/statevault.db).");
        }
        else if (options.DatabasePath.Contains('\0', StringComparison.Ordinal))
        {
            failures.Add("DatabasePath contains a NUL character.");
        }

        if (options.BusyTimeout <= TimeSpan.Zero || options.BusyTimeout > MaxBusyTimeout)
        {
            failures.Add($"BusyTimeout must be positive and at most {MaxBusyTimeout}; it is {options.BusyTimeout}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every failure when <paramref name="options"/> is invalid.</summary>
    internal static void ThrowIfInvalid(SqliteSnapshotStoreOptions options)
    {
        var result = new SqliteSnapshotStoreOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new ArgumentException("Invalid SQLite store options: " + result.FailureMessage, nameof(options));
        }
    }
}
