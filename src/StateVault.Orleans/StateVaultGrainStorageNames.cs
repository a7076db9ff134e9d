using Orleans.Runtime;

namespace StateVault.Orleans;

/// <summary>How a grain's state maps to a StateVault system name (to find it with <c>statevault list</c>, <c>show</c>, <c>restore</c>).</summary>
public static class StateVaultGrainStorageNames
{
    /// <summary>
    /// <c>&lt;prefix&gt;.&lt;state name&gt;.&lt;grain type&gt;.&lt;grain key&gt;</c>, each part escaped and the whole hashed when
    /// longer than 64 characters, as <see cref="SystemNameEncoder.Encode"/> describes. Different grains never share a name.
    /// </summary>
    /// <example><c>orleans.state.counter.alice</c>; key <c>Alice</c> gives <c>orleans.state.counter._41lice</c>.</example>
    public static string GetSystemName(string prefix, string stateName, GrainId grainId)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        return SystemNameEncoder.Encode(prefix, stateName, grainId.Type.ToString() ?? string.Empty, grainId.Key.ToString() ?? string.Empty);
    }
}
