namespace StateVault.Managers.AiMlCore;

/// <summary>What an ML workflow step does.</summary>
public enum MlStepKind
{
    /// <summary>Checks that the model named by the target is registered and active.</summary>
    CheckModel = 0,

    /// <summary>Requests a key of the provider named by the target from the API key manager.</summary>
    RequestApiKey,

    /// <summary>Runs the workflow of the AI/ML workflows manager named by the target.</summary>
    RunWorkflow,

    /// <summary>A step of the original system (imported): kept as data with its type and parameters; it has no runner here.</summary>
    Imported,
}
