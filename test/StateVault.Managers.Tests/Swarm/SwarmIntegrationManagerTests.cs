using System.Text;
using StateVault.Managers.Swarm;
using Xunit;

namespace StateVault.Managers.Tests.Swarm;

public sealed class SwarmIntegrationManagerTests : ManagerTestBase
{
    private SwarmIntegrationManager Sut => Host.Manager<SwarmIntegrationManager>();

    [Fact]
    public void CreateTask_ByCapability_AssignsIntegratedAvailableAgentsOnly()
    {
        var a = Sut.RegisterAgent("a", ["search"]);
        var b = Sut.RegisterAgent("b", ["search", "code"]);
        var c = Sut.RegisterAgent("c", ["search"]);
        Sut.IntegrateAgent(a.Id);
        Sut.IntegrateAgent(b.Id);
        Sut.UpdateAgentStatus(b.Id, AgentStatus.Offline);

        var task = Sut.CreateTask("find sources", capability: "search");

        Assert.Equal([a.Id], task.AgentIds);
        Assert.Equal(AgentStatus.Busy, Sut.State.Agents[a.Id].Status);
        Assert.Equal("degraded", Sut.State.IntegrationStatus);
        Assert.Throws<ArgumentException>(() => Sut.CreateTask("x", [c.Id]));
    }

    [Fact]
    public void RecordTaskResult_MixedResults_PartiallyCompletedAndCounted()
    {
        var a = Sut.IntegrateAgent(Sut.RegisterAgent("a", ["x"]).Id);
        var b = Sut.IntegrateAgent(Sut.RegisterAgent("b", ["x"]).Id);
        var task = Sut.CreateTask("job", [a.Id, b.Id]);

        Assert.Equal(CoordinationTaskStatus.Running, Sut.RecordTaskResult(task.Id, a.Id, true, "ok").Status);
        var done = Sut.RecordTaskResult(task.Id, b.Id, false, "boom");

        Assert.Equal(CoordinationTaskStatus.PartiallyCompleted, done.Status);
        Assert.Equal(1, Sut.State.Counters.TasksFailed);
        Assert.Equal(AgentStatus.Available, Sut.State.Agents[b.Id].Status);
        Assert.Throws<ArgumentException>(() => Sut.RecordTaskResult(task.Id, "agent_unknown", true));
    }

    [Fact]
    public async Task SendMessage_ContentHoldsAKey_RedactedInMemoryAndSavesCleanly()
    {
        // Decision: secrets are redacted when a message arrives, so the live state equals the saved state and the
        // swarm's saves are never refused under the reject policy.
        var key = TestKeys.OpenAIProject;

        var message = Sut.SendMessage("agent_a", "agent_b", "config", $"use key {key} for the run");

        Assert.True(message.Redacted);
        Assert.DoesNotContain(key, message.Content, StringComparison.Ordinal);
        Assert.StartsWith("use key [REDACTED:openai-key:", message.Content, StringComparison.Ordinal);
        Assert.EndsWith(" for the run", message.Content, StringComparison.Ordinal);
        await Sut.SaveNowAsync(Ct);
        Assert.False(Host.Persistence.GetStatus(SwarmIntegrationManager.ManagerName).Pending);
        foreach (var file in Directory.GetFiles(Dir.Store, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(key, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file, Ct)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void GetMetrics_MessagesOverTime_ThroughputCountsLastMinute()
    {
        Sut.SendMessage("a", "*", "ping", "one");
        Time.Advance(TimeSpan.FromMinutes(2));
        Sut.SendMessage("a", "*", "ping", "two");
        Sut.SendMessage("b", "a", "pong", "three");

        var metrics = Sut.GetMetrics();

        Assert.Equal(2, metrics.MessagesPerMinute);
        Assert.Equal(3, Sut.State.Counters.MessagesSent);
        Assert.Equal(3, Sut.GetMessages("a").Count);
    }
}
