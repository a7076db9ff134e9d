using StateVault.Managers.Core;
using StateVault.Managers.HealthThresholds;
using Xunit;

namespace StateVault.Managers.Tests.Core;

public sealed class CoreManagerTests : ManagerTestBase
{
    private CoreManager Sut => Host.Manager<CoreManager>();

    internal override void Configure(ManagerOptions options)
    {
        options.CoreConfig["environment"] = "test";
        options.CoreConfig["openai_token"] = TestKeys.OpenAIProject;
    }

    [Fact]
    public void Start_RegistersEveryManagerInOrderWithConfig()
    {
        var components = Sut.State.Components.Values.OrderBy(c => c.Order).Select(c => c.Name).ToList();

        Assert.Equal(Host.Registry.Managers.Select(m => m.Name), components);
        Assert.Equal("HealthThresholdsManager", Sut.State.Components["health_thresholds"].Type);
        Assert.Equal("test", Sut.State.Config["environment"]);
        Assert.False(Sut.State.Config.ContainsKey("openai_token")); // a credential in configuration is not copied into the store
        Assert.Equal("configuration", Sut.State.ConfigurationOperations.Single().Source);
        Assert.Equal("startup", Sut.State.SystemOperations[^1].Operation);
    }

    [Fact]
    public void GetStatusAll_LiveComponents_ReportLiveStatus()
    {
        Host.Manager<HealthThresholdsManager>().SetMaintenance(true);

        var statuses = Sut.GetStatusAll();

        Assert.All(statuses, s => Assert.True(s.Live));
        Assert.Equal("maintenance", statuses.Single(s => s.Name == "health_thresholds").Status);
        Assert.Equal("online", statuses.Single(s => s.Name == "gaming_alerts").Status);
    }

    [Fact]
    public async Task ShutdownAllAsync_Running_StopsOthersInReverseOrderAndSavesRecord()
    {
        var stopped = new List<string>();
        foreach (var manager in Host.Registry.Managers.OfType<ManagerBase>())
        {
            manager.StatusChanged += (_, e) =>
            {
                if (e.Current == ManagerStatus.Offline)
                {
                    lock (stopped)
                    {
                        stopped.Add(manager.Name);
                    }
                }
            };
        }

        var record = await Sut.ShutdownAllAsync(Ct);

        Assert.True(record.Succeeded);
        Assert.Equal(Host.Registry.Managers.Skip(1).Reverse().Select(m => m.Name), stopped);
        Assert.Equal("offline", record.Components["api_keys"]);
        Assert.False(Host.Persistence.GetStatus(CoreManager.ManagerName).Dirty); // acknowledged before it returned

        var restarted = await Sut.InitializeAllAsync(Ct);

        Assert.True(restarted.Succeeded);
        Assert.All(Host.Registry.Managers, m => Assert.Equal("online", m.Status));
    }

    [Fact]
    public void RegisterAndUnregister_External_Recorded()
    {
        var record = Sut.RegisterComponent("cache", "RedisCache");

        Assert.Equal(8, record.Order);
        Assert.True(Sut.UnregisterComponent("cache"));
        Assert.False(Sut.UnregisterComponent("cache"));
        Assert.Equal(["register", "unregister"], Sut.State.ComponentRegistrations.TakeLast(2).Select(r => r.Action));
    }

    [Fact]
    public void SetConfig_SameValueTwice_RecordedOnce()
    {
        Sut.SetConfig("region", "eu");
        Sut.SetConfig("region", "eu");
        Sut.SetConfig("region", "us");

        var ops = Sut.State.ConfigurationOperations.Where(o => o.Key == "region").ToList();
        Assert.Equal(2, ops.Count);
        Assert.Equal("eu", ops[1].OldValue);
        Assert.True(Sut.RemoveConfig("region"));
    }

    [Fact]
    public async Task SetConfig_SecretLookingValue_RefusedAndTheSystemStaysSaveable()
    {
        var before = Sut.State;

        var ex = Assert.Throws<SecretDetectedException>(() => Sut.SetConfig("token", TestKeys.AnthropicApi));

        Assert.Contains(ex.Findings, f => f.Path == "$.config.token");
        Assert.DoesNotContain(TestKeys.AnthropicApi, ex.Message, StringComparison.Ordinal);
        Assert.Same(before, Sut.State);
        Sut.SetConfig("region", "eu");
        await Sut.SaveNowAsync(Ct);
        Assert.False(Host.Persistence.GetStatus(CoreManager.ManagerName).Dirty);
    }
}
