using Akka.Actor;
using Akka.Persistence;

namespace AkkaSample;

/// <summary>The counter's state; Akka's default JSON serializer writes it, and StateVault stores that JSON inline.</summary>
/// <param name="Count">Visits so far.</param>
/// <param name="Last">Who visited last.</param>
public sealed record VisitState(int Count, string? Last);

/// <summary>Counts visits and snapshots its state to StateVault after each one; recovers from the newest snapshot.</summary>
public sealed class VisitCounter : ReceivePersistentActor
{
    private VisitState _state = new(0, null);
    private IActorRef? _replyTo;

    /// <summary>Creates the counter with a fixed persistence id (StateVault system <c>akka.visit-counter</c>).</summary>
    public VisitCounter()
    {
        Recover<SnapshotOffer>(offer => _state = (VisitState)offer.Snapshot);
        Command<string>(visitor =>
        {
            _state = _state with { Count = _state.Count + 1, Last = visitor };
            _replyTo = Sender;
            SaveSnapshot(_state);
        });
        Command<SaveSnapshotSuccess>(_ => _replyTo?.Tell(_state));
        Command<SaveSnapshotFailure>(failure => _replyTo?.Tell(new Status.Failure(failure.Cause)));
    }

    /// <inheritdoc />
    public override string PersistenceId => "visit-counter";
}
