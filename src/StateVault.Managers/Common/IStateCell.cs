using System.Text.Json.Nodes;

namespace StateVault.Managers;

/// <summary>The untyped view of a <see cref="StateCell{TState}"/> the manager base works with.</summary>
public interface IStateCell
{
    /// <summary>The system.</summary>
    string System { get; }

    /// <summary>The state record type.</summary>
    Type StateType { get; }

    /// <summary>The state as it would be saved.</summary>
    JsonNode Capture();

    /// <summary>Becomes the state of a restored snapshot (upcast when its schema version is older).</summary>
    Task AdoptAsync(JsonSnapshot snapshot, CancellationToken cancellationToken);
}
