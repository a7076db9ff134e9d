using Xunit;

namespace StateVault.PostgreSql.Tests;

/// <summary>Tests that stop the shared PostgreSQL server run alone, after every other test of this assembly.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgreSqlOutageCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "PostgreSQL outage (stops the shared server)";
}
