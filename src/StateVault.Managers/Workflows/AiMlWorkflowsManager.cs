using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;

namespace StateVault.Managers.Workflows;

/// <summary>
/// AI/ML workflows [<c>ai_ml_workflows</c>]: workflows of steps with timeouts, retries, dependencies and a required flag — the
/// original declared retries and dependencies and ignored both. An execution runs the steps in dependency order, each attempt
/// under its timeout, retrying failed attempts, and stops at the first failed required step. Running executions are visible;
/// finished ones are kept in a bounded history with per-step statistics.
/// </summary>
/// <remarks>
/// Actions: <c>verify_store</c>, <c>prune_store</c>, <c>save_all</c> (built in), registered <see cref="IWorkflowAction"/>s, and
/// <c>process</c>: an executable on <see cref="WorkflowOptions.AllowedExecutables"/>, started without a shell, with an
/// argument list. Process output is not kept (it may hold anything); the exit code is.
/// </remarks>
public sealed partial class AiMlWorkflowsManager : ManagerBase
{
    /// <summary>The manager and system name.</summary>
    public const string ManagerName = "ai_ml_workflows";

    /// <summary>The built-in action that verifies every snapshot of the store.</summary>
    public const string VerifyStoreAction = "verify_store";

    /// <summary>The built-in action that applies retention to the store.</summary>
    public const string PruneStoreAction = "prune_store";

    /// <summary>The built-in action that saves every manager (acknowledged).</summary>
    public const string SaveAllAction = "save_all";

    /// <summary>The action that runs an allow-listed executable.</summary>
    public const string ProcessAction = "process";

    private const int MaxRetries = 10;
    private const int MaxOutputLength = 200;

    private readonly StateCell<AiMlWorkflowsState> _state;
    private readonly ConcurrentDictionary<string, WorkflowExecution> _active = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IWorkflowAction> _actions = new(StringComparer.Ordinal);
    private readonly WorkflowOptions _options;

    /// <summary>Creates the manager.</summary>
    public AiMlWorkflowsManager(ManagerContext context)
        : base(ManagerName, context)
    {
        _options = context.Options.Workflows;
        _state = AddSystem(ManagerName, new AiMlWorkflowsState(), Normalize);
        foreach (var action in context.GetService<IEnumerable<IWorkflowAction>>() ?? [])
        {
            RegisterAction(action);
        }
    }

    /// <summary>The current state.</summary>
    public AiMlWorkflowsState State => _state.Value;

    /// <summary>Executions running now.</summary>
    public IReadOnlyList<WorkflowExecution> GetActiveExecutions() => [.. _active.Values.OrderBy(e => e.StartedAt)];

    /// <summary>Registers an application action.</summary>
    /// <exception cref="ArgumentException">The name is taken by a built-in action.</exception>
    public void RegisterAction(IWorkflowAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (action.Name is VerifyStoreAction or PruneStoreAction or SaveAllAction or ProcessAction)
        {
            throw new ArgumentException($"'{action.Name}' is a built-in action.", nameof(action));
        }

        _actions[action.Name] = action;
    }

    /// <summary>Creates a workflow.</summary>
    /// <exception cref="ArgumentException">Invalid steps: duplicate names, unknown actions or dependencies, a cycle, a timeout or retry count out of range, or an executable not on the allow-list.</exception>
    public WorkflowDefinition CreateWorkflow(string name, IReadOnlyList<WorkflowStep> steps, string? description = null) =>
        Run("create_workflow", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            ArgumentNullException.ThrowIfNull(steps);
            Validate(steps);
            var workflow = new WorkflowDefinition
            {
                Id = NewId("wf"),
                Name = name,
                Description = SecretRedaction.Redact(description).Text,
                Steps = [.. steps],
                CreatedAt = Time.GetUtcNow(),
            };
            return _state.Update(state =>
            {
                if (state.Workflows.Values.Any(w => w.Name == name))
                {
                    throw new ArgumentException($"A workflow named '{name}' exists.", nameof(name));
                }

                return (state with { Workflows = state.Workflows.Add(workflow.Id, workflow) }, workflow);
            });
        });

    /// <summary>Deletes a workflow (its history and statistics stay).</summary>
    /// <returns><see langword="false"/> when there was none.</returns>
    public bool DeleteWorkflow(string workflowId) =>
        Run("delete_workflow", () => _state.Update(state =>
            workflowId is not null && state.Workflows.ContainsKey(workflowId) ? (state with { Workflows = state.Workflows.Remove(workflowId) }, true) : (state, false)));

    /// <summary>A workflow by id or name, or <see langword="null"/>.</summary>
    public WorkflowDefinition? FindWorkflow(string idOrName) =>
        State.Workflows.TryGetValue(idOrName, out var byId) ? byId : State.Workflows.Values.FirstOrDefault(w => w.Name == idOrName);

    /// <summary>
    /// Executes a workflow: steps in dependency order, each attempt under its timeout, failed attempts retried, stopping at the first
    /// failed required step. The execution is visible in <see cref="GetActiveExecutions"/> while it runs.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such workflow.</exception>
    public Task<WorkflowExecution> ExecuteAsync(string workflowIdOrName, CancellationToken cancellationToken = default)
    {
        var workflow = FindWorkflow(workflowIdOrName) ?? throw new KeyNotFoundException($"No workflow '{workflowIdOrName}'.");
        return RunAsync("execute_workflow", async ct =>
        {
            var generations = CaptureGenerations();
            var execution = await ExecuteCoreAsync(workflow, ct).ConfigureAwait(false);
            await WhenDurableAsync(generations, ct).ConfigureAwait(false); // acknowledged with its record in a durable snapshot
            return execution;
        }, cancellationToken);
    }

    /// <summary>The steps in the order they run: dependencies first, otherwise declaration order.</summary>
    /// <exception cref="ArgumentException">A dependency is unknown or the dependencies form a cycle.</exception>
    public static IReadOnlyList<WorkflowStep> ExecutionOrder(IReadOnlyList<WorkflowStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var byName = steps.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var step in steps)
        {
            foreach (var dependency in step.DependsOn)
            {
                if (!byName.ContainsKey(dependency) || dependency == step.Name)
                {
                    throw new ArgumentException($"Step '{step.Name}' depends on unknown step '{dependency}'.", nameof(steps));
                }
            }
        }

        var order = new List<WorkflowStep>(steps.Count);
        var done = new HashSet<string>(StringComparer.Ordinal);
        while (order.Count < steps.Count)
        {
            // Declaration order among the steps whose dependencies are done: the order is stable and predictable.
            var next = steps.FirstOrDefault(s => !done.Contains(s.Name) && s.DependsOn.All(done.Contains));
            if (next is null)
            {
                var cycle = steps.Where(s => !done.Contains(s.Name)).Select(s => s.Name);
                throw new ArgumentException($"The dependencies of steps {string.Join(", ", cycle)} form a cycle.", nameof(steps));
            }

            order.Add(next);
            done.Add(next.Name);
        }

        return order;
    }

    /// <inheritdoc />
    protected override void AddSummary(IDictionary<string, object?> summary)
    {
        var state = State;
        summary["workflows"] = state.Workflows.Count;
        summary["active_executions"] = _active.Count;
        summary["executions"] = state.ExecutionHistory.Count;
        summary["failed_executions"] = state.ExecutionHistory.Count(e => e.Status == ExecutionStatus.Failed);
        summary["running"] = _active.Values.Select(e => $"{e.WorkflowName}:{e.CurrentStep}").ToArray();
    }

    private void Validate(IReadOnlyList<WorkflowStep> steps)
    {
        if (steps.Count == 0)
        {
            throw new ArgumentException("A workflow needs at least one step.", nameof(steps));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            ArgumentNullException.ThrowIfNull(step, nameof(steps));
            ArgumentException.ThrowIfNullOrWhiteSpace(step.Name, nameof(steps));
            if (!names.Add(step.Name))
            {
                throw new ArgumentException($"Two steps are named '{step.Name}'.", nameof(steps));
            }

            if (!double.IsFinite(step.TimeoutSeconds) || step.TimeoutSeconds <= 0 || TimeSpan.FromSeconds(step.TimeoutSeconds) > _options.MaxStepTimeout)
            {
                throw new ArgumentException($"Step '{step.Name}': the timeout must be above 0 and at most {_options.MaxStepTimeout}.", nameof(steps));
            }

            if (step.RetryCount is < 0 or > MaxRetries)
            {
                throw new ArgumentException($"Step '{step.Name}': the retry count must be 0 to {MaxRetries}.", nameof(steps));
            }

            switch (step.Action)
            {
                case VerifyStoreAction or PruneStoreAction or SaveAllAction:
                    break;
                case ProcessAction:
                    AllowedExecutable(step);
                    break;
                default:
                    if (!_actions.ContainsKey(step.Action))
                    {
                        throw new ArgumentException($"Step '{step.Name}': unknown action '{step.Action}'.", nameof(steps));
                    }

                    break;
            }
        }

        ExecutionOrder(steps);
    }

    private string AllowedExecutable(WorkflowStep step)
    {
        if (string.IsNullOrWhiteSpace(step.Executable) || !Path.IsPathFullyQualified(step.Executable))
        {
            throw new ArgumentException($"Step '{step.Name}': a process step needs the full path of its executable.", nameof(step));
        }

        var path = Path.GetFullPath(step.Executable);
        if (!_options.AllowedExecutables.Any(allowed => string.Equals(Path.GetFullPath(allowed), path, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"Step '{step.Name}': '{path}' is not on the allow-list of executables.", nameof(step));
        }

        return path;
    }

    private async Task<WorkflowExecution> ExecuteCoreAsync(WorkflowDefinition workflow, CancellationToken cancellationToken)
    {
        var order = ExecutionOrder(workflow.Steps);
        var execution = new WorkflowExecution
        {
            Id = NewId("exec"),
            WorkflowId = workflow.Id,
            WorkflowName = workflow.Name,
            Status = ExecutionStatus.Running,
            StartedAt = Time.GetUtcNow(),
            Steps = [.. order.Select(s => new StepExecution(s.Name, StepRunStatus.Pending, 0, 0, null, null, null, null))],
        };
        _active[execution.Id] = execution;
        var results = new Dictionary<string, StepRunStatus>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < order.Count; i++)
            {
                var step = order[i];
                StepExecution result;
                if (execution.FailedStep is not null)
                {
                    result = new StepExecution(step.Name, StepRunStatus.Skipped, 0, 0, $"required step '{execution.FailedStep}' failed", null, null, null);
                }
                else if (step.DependsOn.FirstOrDefault(d => results[d] != StepRunStatus.Completed) is { } missing)
                {
                    result = new StepExecution(step.Name, StepRunStatus.Skipped, 0, 0, $"dependency '{missing}' did not complete", null, null, null);
                }
                else
                {
                    execution = execution with { CurrentStep = step.Name, Steps = execution.Steps.SetItem(i, execution.Steps[i] with { Status = StepRunStatus.Running, StartedAt = Time.GetUtcNow() }) };
                    _active[execution.Id] = execution;
                    result = await RunStepAsync(workflow, step, cancellationToken).ConfigureAwait(false);
                }

                results[step.Name] = result.Status;
                execution = execution with { Steps = execution.Steps.SetItem(i, result), CurrentStep = null };
                if (step.Required && result.Status != StepRunStatus.Completed && execution.FailedStep is null)
                {
                    execution = execution with { FailedStep = step.Name };
                }

                _active[execution.Id] = execution;
            }

            execution = execution with { Status = execution.FailedStep is null ? ExecutionStatus.Completed : ExecutionStatus.Failed, FinishedAt = Time.GetUtcNow() };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            execution = execution with { Status = ExecutionStatus.Cancelled, FinishedAt = Time.GetUtcNow(), CurrentStep = null };
            Complete(workflow, execution);
            throw;
        }
        finally
        {
            _active.TryRemove(execution.Id, out _);
        }

        Complete(workflow, execution);
        ManagersLog.WorkflowFinished(Logger, workflow.Name, execution.Id, execution.Status.ToString());
        return execution;
    }

    private void Complete(WorkflowDefinition workflow, WorkflowExecution execution) =>
        _state.Update(state =>
        {
            var statistics = state.StepStatistics;
            foreach (var step in execution.Steps.Where(s => s.Status is StepRunStatus.Completed or StepRunStatus.Failed))
            {
                var key = $"{workflow.Name}/{step.Name}";
                var before = statistics.GetValueOrDefault(key) ?? new StepStatistics(0, 0, 0, 0, 0, 0);
                var runs = before.Runs + 1;
                var total = before.TotalMs + step.DurationMs;
                statistics = statistics.SetItem(key, new StepStatistics(
                    runs,
                    before.Successes + (step.Status == StepRunStatus.Completed ? 1 : 0),
                    before.Failures + (step.Status == StepRunStatus.Failed ? 1 : 0),
                    before.Attempts + step.Attempts,
                    Math.Round(total, 3),
                    Math.Round(total / runs, 3)));
            }

            return state with
            {
                ExecutionHistory = state.ExecutionHistory.AppendBounded(execution, Context.Options.HistoryLimit),
                StepStatistics = statistics,
            };
        });

    private async Task<StepExecution> RunStepAsync(WorkflowDefinition workflow, WorkflowStep step, CancellationToken cancellationToken)
    {
        var startedAt = Time.GetUtcNow();
        var started = Time.GetTimestamp();
        var timeout = TimeSpan.FromSeconds(step.TimeoutSeconds);
        string? error = null;
        var attempts = 0;
        while (attempts <= step.RetryCount)
        {
            attempts++;
            using var deadline = new CancellationTokenSource(timeout, Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                var output = await RunActionAsync(step, linked.Token).ConfigureAwait(false);
                return new StepExecution(step.Name, StepRunStatus.Completed, attempts, ElapsedMs(started), null, Clip(output), startedAt, Time.GetUtcNow());
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"timed out after {step.TimeoutSeconds:0.###} s");
            }
            catch (StepNotRunnableException ex)
            {
                error = ex.Message;
                ManagersLog.StepAttemptFailed(Logger, workflow.Name, step.Name, attempts, error);
                break;
            }
            catch (StepFailedException ex)
            {
                error = Clip(ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                error = Clip($"{ex.GetType().Name}: {ex.Message}");
            }

            ManagersLog.StepAttemptFailed(Logger, workflow.Name, step.Name, attempts, error!);
            if (attempts <= step.RetryCount && _options.StepRetryDelay > TimeSpan.Zero)
            {
                await Task.Delay(_options.StepRetryDelay, Time, cancellationToken).ConfigureAwait(false);
            }
        }

        return new StepExecution(step.Name, StepRunStatus.Failed, attempts, ElapsedMs(started), error, null, startedAt, Time.GetUtcNow());
    }

    private async Task<string?> RunActionAsync(WorkflowStep step, CancellationToken cancellationToken)
    {
        switch (step.Action)
        {
            case VerifyStoreAction:
                {
                    var report = await Context.Vault.VerifyAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    if (!report.IsHealthy)
                    {
                        throw new StepFailedException($"{report.Damaged.Count} of {report.Snapshots.Count} snapshot(s) are damaged: {string.Join(", ", report.Damaged.Take(5).Select(d => $"{d.System}#{d.Sequence}"))}");
                    }

                    return $"verified {report.Snapshots.Count} snapshot(s)";
                }

            case PruneStoreAction:
                {
                    var result = await Context.Vault.PruneAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    return $"removed {result.RemovedCount} snapshot(s), quarantined {result.Quarantined.Count}";
                }

            case SaveAllAction:
                {
                    var managers = Context.Registry?.Managers ?? [this];
                    foreach (var manager in managers)
                    {
                        await manager.SaveNowAsync(cancellationToken).ConfigureAwait(false);
                    }

                    return $"saved {managers.Count} manager(s)";
                }

            case ProcessAction:
                return await RunProcessAsync(step, cancellationToken).ConfigureAwait(false);
            default:
                if (!_actions.TryGetValue(step.Action, out var action))
                {
                    throw new StepNotRunnableException($"unknown action '{step.Action}'");
                }

                return await action.RunAsync(step, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string> RunProcessAsync(WorkflowStep step, CancellationToken cancellationToken)
    {
        string executable;
        try
        {
            // Checked again at run time: the allow-list may have changed since the workflow was created.
            executable = AllowedExecutable(step);
        }
        catch (ArgumentException ex)
        {
            throw new StepNotRunnableException(ex.Message);
        }

        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in step.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        process.StandardInput.Close();

        // Drained so a chatty process never blocks on a full pipe; the text itself is not kept.
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }

            throw;
        }

        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new StepFailedException(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(executable)} exited with code {process.ExitCode}"));
        }

        return string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(executable)} exited with code 0");
    }

    private static string? Clip(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var safe = SecretRedaction.Redact(text).Text;
        return safe.Length <= MaxOutputLength ? safe : safe[..MaxOutputLength] + "…";
    }

    private static AiMlWorkflowsState Normalize(AiMlWorkflowsState state) =>
        state with
        {
            Workflows = state.Workflows.Ordinal(),
            StepStatistics = state.StepStatistics.Ordinal(),
            ExecutionHistory = state.ExecutionHistory ?? [],
        };

    /// <summary>The step cannot run at all (not retried).</summary>
    private sealed class StepNotRunnableException(string message) : Exception(message);

    /// <summary>An attempt failed with a message that says it all (retried).</summary>
    private sealed class StepFailedException(string message) : Exception(message);
}
