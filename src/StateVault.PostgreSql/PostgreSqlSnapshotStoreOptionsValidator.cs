using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace StateVault.PostgreSql;

/// <summary>Validates <see cref="PostgreSqlSnapshotStoreOptions"/>; failure messages never contain the connection string.</summary>
internal sealed partial class PostgreSqlSnapshotStoreOptionsValidator : IValidateOptions<PostgreSqlSnapshotStoreOptions>
{
    private static readonly TimeSpan s_maxTimeout = TimeSpan.FromSeconds(int.MaxValue);

    public ValidateOptionsResult Validate(string? name, PostgreSqlSnapshotStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("ConnectionString is required (or open the store with a postgresql:// URI).");
        }
        else
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    failures.Add("ConnectionString names no Host.");
                }
            }
            catch (ArgumentException)
            {
                // The parser's message may quote a value, and a value may be the password.
                failures.Add("ConnectionString is not a valid Npgsql connection string.");
            }
        }

        if (options.Schema is null || !SchemaPattern().IsMatch(options.Schema))
        {
            failures.Add("Schema must be lowercase letters, digits and '_', starting with a letter or '_', at most 63 characters.");
        }

        if (options.ConnectTimeout < TimeSpan.FromSeconds(1) || options.ConnectTimeout > s_maxTimeout)
        {
            failures.Add($"ConnectTimeout must be at least 1 second (a zero timeout would wait forever); it is {options.ConnectTimeout}.");
        }

        if (options.CommandTimeout < TimeSpan.FromSeconds(1) || options.CommandTimeout > s_maxTimeout)
        {
            failures.Add($"CommandTimeout must be at least 1 second (a zero timeout would wait forever); it is {options.CommandTimeout}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every failure when <paramref name="options"/> is invalid.</summary>
    public static void ThrowIfInvalid(PostgreSqlSnapshotStoreOptions options)
    {
        var result = new PostgreSqlSnapshotStoreOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new ArgumentException("Invalid PostgreSQL store options: " + result.FailureMessage, nameof(options));
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaPattern();
}
