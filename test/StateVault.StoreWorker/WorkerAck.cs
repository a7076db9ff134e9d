using System.Globalization;

namespace StateVault.StoreWorker;

/// <summary>One acknowledged save reported by a worker process.</summary>
/// <param name="System">The system saved.</param>
/// <param name="Sequence">The sequence the store acknowledged.</param>
/// <param name="Writer">The worker's id.</param>
/// <param name="Index">The worker's counter; the saved JSON is <c>{"writer":Writer,"i":Index}</c>.</param>
public readonly record struct WorkerAck(string System, long Sequence, string Writer, int Index)
{
    /// <summary>The JSON document this save stored.</summary>
    public string Json => string.Create(CultureInfo.InvariantCulture, $$"""{"writer":"{{Writer}}","i":{{Index}}}""");
}
