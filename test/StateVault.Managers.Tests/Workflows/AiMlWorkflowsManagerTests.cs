using StateVault.Managers.Workflows;
using Xunit;

namespace StateVault.Managers.Tests.Workflows;

public sealed class AiMlWorkflowsManagerTests : ManagerTestBase
{
    private AiMlWorkflowsManager Sut => Host.Manager<AiMlWorkflowsManager>();

    internal override void Configure(ManagerOptions options) => options.HistoryLimit = 3;

    [Fact]
    public void ExecutionOrder_DeclaredOutOfOrder_DependenciesFirstThenDeclarationOrder()
    {
        WorkflowStep[] steps =
        [
            Step("report", dependsOn: ["train", "evaluate"]),
            Step("evaluate", dependsOn: ["train"]),
            Step("fetch"),
            Step("train", dependsOn: ["fetch"]),
        ];

        var order = AiMlWorkflowsManager.ExecutionOrder(steps).Select(s => s.Name);

        Assert.Equal(["fetch", "train", "evaluate", "report"], order);
    }

    [Fact]
    public void CreateWorkflow_CycleOrUnknownDependency_Rejected()
    {
        Register(new CountingAction("ok", failures: 0));

        var cycle = Assert.Throws<ArgumentException>(() => Sut.CreateWorkflow("cyclic", [Step("a", dependsOn: ["b"]), Step("b", dependsOn: ["a"])]));
        Assert.Contains("cycle", cycle.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Sut.CreateWorkflow("unknown", [Step("a", dependsOn: ["nope"])]));
        Assert.Throws<ArgumentException>(() => Sut.CreateWorkflow("dup", [Step("a"), Step("a")]));
        Assert.Throws<ArgumentException>(() => Sut.CreateWorkflow("action", [new WorkflowStep { Name = "a", Action = "no_such_action" }]));
    }

    [Fact]
    public void CreateWorkflow_ExecutableNotOnAllowList_Rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Sut.CreateWorkflow("shell", [new WorkflowStep { Name = "rm", Action = AiMlWorkflowsManager.ProcessAction, Executable = "/usr/bin/rm", Arguments = ["-rf", "/tmp/x"] }]));

        Assert.Contains("allow-list", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Sut.CreateWorkflow("relative", [new WorkflowStep { Name = "t", Action = AiMlWorkflowsManager.ProcessAction, Executable = "true" }]));
    }

    [Fact]
    public async Task ExecuteAsync_StepFailsTwiceThenSucceeds_RetriedAndCompleted()
    {
        // The original declared retry counts and ignored them.
        var flaky = Register(new CountingAction("flaky", failures: 2));
        Sut.CreateWorkflow("retrying", [Step("load", action: "flaky", retries: 2)]);

        var execution = await Sut.ExecuteAsync("retrying", Ct);

        Assert.Equal(ExecutionStatus.Completed, execution.Status);
        Assert.Equal(3, execution.Steps.Single().Attempts);
        Assert.Equal(3, flaky.Calls);
        var stats = Sut.State.StepStatistics["retrying/load"];
        Assert.Equal((1, 1, 0, 3), (stats.Runs, stats.Successes, stats.Failures, stats.Attempts));
    }

    [Fact]
    public async Task ExecuteAsync_RequiredStepFails_StopsAndSkipsTheRest()
    {
        var after = Register(new CountingAction("after", failures: 0));
        Register(new CountingAction("broken", failures: 100));
        Sut.CreateWorkflow("stops", [Step("first", action: "broken", retries: 1), Step("second", action: "after"), Step("third", action: "after")]);

        var execution = await Sut.ExecuteAsync("stops", Ct);

        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("first", execution.FailedStep);
        Assert.Equal([StepRunStatus.Failed, StepRunStatus.Skipped, StepRunStatus.Skipped], execution.Steps.Select(s => s.Status));
        Assert.Equal(2, execution.Steps[0].Attempts);
        Assert.Equal(0, after.Calls);
    }

    [Fact]
    public async Task ExecuteAsync_OptionalStepFails_DependentsSkippedOthersRun()
    {
        var ok = Register(new CountingAction("ok", failures: 0));
        Register(new CountingAction("broken", failures: 100));
        Sut.CreateWorkflow("optional", [
            Step("warmup", action: "broken", required: false),
            Step("uses_warmup", action: "ok", dependsOn: ["warmup"], required: false),
            Step("independent", action: "ok"),
        ]);

        var execution = await Sut.ExecuteAsync("optional", Ct);

        Assert.Equal(ExecutionStatus.Completed, execution.Status);
        Assert.Equal([StepRunStatus.Failed, StepRunStatus.Skipped, StepRunStatus.Completed], execution.Steps.Select(s => s.Status));
        Assert.Equal(1, ok.Calls);
    }

    [Fact]
    public async Task ExecuteAsync_StepExceedsTimeout_TimedOutAndVisibleWhileRunning()
    {
        var hanging = Register(new HangingAction());
        Sut.CreateWorkflow("slow", [Step("wait", action: "hang", timeoutSeconds: 5)]);

        var running = Sut.ExecuteAsync("slow", Ct);
        await hanging.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var active = Assert.Single(Sut.GetActiveExecutions());
        Assert.Equal("wait", active.CurrentStep);
        Assert.Equal("busy", Sut.Status);
        Time.Advance(TimeSpan.FromSeconds(5));
        var execution = await running.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("timed out after 5 s", execution.Steps.Single().Error);
        Assert.Empty(Sut.GetActiveExecutions());
        Assert.Equal("online", Sut.Status);
    }

    [Fact]
    public async Task ExecuteAsync_AllowListedProcesses_ExitCodeDecides()
    {
        Sut.CreateWorkflow("procs", [
            new WorkflowStep { Name = "ok", Action = AiMlWorkflowsManager.ProcessAction, Executable = "/usr/bin/true" },
            new WorkflowStep { Name = "args", Action = AiMlWorkflowsManager.ProcessAction, Executable = "/bin/sh", Arguments = ["-c", "test \"$0\" = 'a b; echo pwned'", "a b; echo pwned"] },
            new WorkflowStep { Name = "fails", Action = AiMlWorkflowsManager.ProcessAction, Executable = "/usr/bin/false" },
        ]);

        var execution = await Sut.ExecuteAsync("procs", Ct);

        Assert.Equal(StepRunStatus.Completed, execution.Steps[0].Status);
        Assert.Equal(StepRunStatus.Completed, execution.Steps[1].Status); // the argument arrived as one argument, unsplit
        Assert.Equal("false exited with code 1", execution.Steps[2].Error);
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
    }

    [Fact]
    public async Task ExecuteAsync_BuiltIns_VerifyPruneAndSaveAll()
    {
        Sut.CreateWorkflow("maintenance", [
            new WorkflowStep { Name = "save", Action = AiMlWorkflowsManager.SaveAllAction },
            new WorkflowStep { Name = "verify", Action = AiMlWorkflowsManager.VerifyStoreAction, DependsOn = ["save"] },
            new WorkflowStep { Name = "prune", Action = AiMlWorkflowsManager.PruneStoreAction, DependsOn = ["verify"] },
        ]);

        var execution = await Sut.ExecuteAsync("maintenance", Ct);

        Assert.Equal(ExecutionStatus.Completed, execution.Status);
        Assert.StartsWith("saved 8 manager(s)", execution.Steps[0].Output, StringComparison.Ordinal);
        Assert.StartsWith("verified ", execution.Steps[1].Output, StringComparison.Ordinal);
        Assert.All(Host.Registry.Managers.SelectMany(m => m.Systems).Where(s => s != AiMlWorkflowsManager.ManagerName), s => Assert.False(Host.Persistence.GetStatus(s).Dirty));
    }

    [Fact]
    public async Task ExecuteAsync_ManyTimes_HistoryBounded()
    {
        Register(new CountingAction("ok", failures: 0));
        Sut.CreateWorkflow("often", [Step("s", action: "ok")]);

        for (var i = 0; i < 5; i++)
        {
            await Sut.ExecuteAsync("often", Ct);
        }

        Assert.Equal(3, Sut.State.ExecutionHistory.Count);
        Assert.Equal(5, Sut.State.StepStatistics["often/s"].Runs);
    }

    private static WorkflowStep Step(string name, string action = "ok", string[]? dependsOn = null, int retries = 0, bool required = true, double timeoutSeconds = 60) =>
        new() { Name = name, Action = action, DependsOn = [.. dependsOn ?? []], RetryCount = retries, Required = required, TimeoutSeconds = timeoutSeconds };

    private T Register<T>(T action)
        where T : IWorkflowAction
    {
        Sut.RegisterAction(action);
        return action;
    }

    private sealed class CountingAction(string name, int failures) : IWorkflowAction
    {
        private int _calls;

        public string Name => name;

        public int Calls => Volatile.Read(ref _calls);

        public Task<string?> RunAsync(WorkflowStep step, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            return call <= failures ? throw new InvalidOperationException($"failure {call}") : Task.FromResult<string?>($"done on call {call}");
        }
    }

    private sealed class HangingAction : IWorkflowAction
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "hang";

        public async Task<string?> RunAsync(WorkflowStep step, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        }
    }
}
