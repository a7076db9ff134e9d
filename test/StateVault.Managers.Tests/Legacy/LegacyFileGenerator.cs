using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace StateVault.Managers.Tests.Legacy;

/// <summary>
/// Writes files in the original system's shapes (as its Python code wrote them) with random values: ISO times with a 'T' at the
/// top level, <c>str(datetime)</c> with a space in model records, <c>MLWorkflow(...)</c> and component reprs, enum reprs,
/// nulls, non-ASCII text, and now and then a key the original never wrote (which must end up under <c>legacy</c>).
/// </summary>
internal static class LegacyFileGenerator
{
    private static readonly string[] s_words = ["alpha", "beta", "gamma", "d\u00e9j\u00e0", "\u00fcber", "node", "arcade", "queue", "ok \u2705", "x"];

    public static JsonObject Generate(string system, Random r)
    {
        var doc = system switch
        {
            "health_thresholds" => Health(r),
            "gaming_alerts" => Gaming(r),
            "ai_ml_core" => AiCore(r),
            "ai_ml_models" => Models(r),
            "dependencies" => Dependencies(r),
            "swarm_integration" => Swarm(r),
            "core_management" => Core(r),
            "api_keys" => ApiKeys(r),
            _ => throw new ArgumentOutOfRangeException(nameof(system)),
        };
        if (r.Next(3) == 0)
        {
            doc["unknown_" + Word(r).Replace(' ', '_')] = new JsonObject { ["nested"] = Word(r), ["n"] = r.Next(100) };
        }

        doc["timestamp"] = Iso(Time(r));
        doc["manager_id"] = system + "_manager";
        doc["version"] = "2.0.0";
        return doc;
    }

    private static JsonObject Health(Random r)
    {
        var thresholds = new JsonObject();
        var metrics = Enumerable.Range(0, r.Next(1, 6)).Select(i => Word(r).Replace(' ', '_') + "_" + i).ToList();
        foreach (var metric in metrics)
        {
            var lower = r.Next(2) == 0;
            var warning = Number(r);
            thresholds[metric] = Extra(r, new JsonObject
            {
                ["metric_type"] = metric,
                ["warning_threshold"] = warning,
                ["critical_threshold"] = lower ? warning / 2 : warning * 2,
                ["unit"] = Word(r),
                ["description"] = Sentence(r),
            });
        }

        return new JsonObject
        {
            ["thresholds"] = thresholds,
            ["threshold_operations"] = List(r, 4, () => new JsonObject
            {
                ["timestamp"] = Iso(Time(r)), ["operation"] = "set_threshold", ["metric_type"] = Pick(r, metrics),
                ["warning_threshold"] = Number(r), ["critical_threshold"] = Number(r), ["unit"] = Word(r), ["success"] = r.Next(2) == 0,
            }),
            ["validation_operations"] = List(r, 6, () => new JsonObject
            {
                ["timestamp"] = Iso(Time(r)), ["metric_type"] = Pick(r, metrics), ["value"] = Number(r),
                ["status"] = Pick(r, ["good", "warning", "critical"]),
                ["threshold"] = new JsonObject { ["warning"] = Number(r), ["critical"] = Number(r), ["unit"] = Word(r) },
            }),
            ["configuration_changes"] = List(r, 3, () => r.Next(2) == 0
                ? new JsonObject { ["timestamp"] = Iso(Time(r)), ["operation"] = "initialize_default_thresholds", ["thresholds_count"] = r.Next(20), ["success"] = true }
                : new JsonObject { ["timestamp"] = Iso(Time(r)), ["operation"] = "set_threshold", ["metric_type"] = Pick(r, metrics), ["success"] = r.Next(2) == 0 }),
        };
    }

    private static JsonObject Alert(Random r, string id)
    {
        var metric = Pick(r, ["frame_rate", "response_time", "memory_usage", "system_health", "custom_" + r.Next(9)]);
        var resolved = r.Next(3) == 0;
        return Extra(r, new JsonObject
        {
            ["alert_id"] = id,
            ["alert_type"] = metric,
            ["severity"] = "AlertSeverity." + Pick(r, ["LOW", "MEDIUM", "HIGH", "CRITICAL"]),
            ["message"] = Sentence(r),
            ["system_id"] = "dreamos-" + Word(r),
            ["game_context"] = new JsonObject { [metric == "system_health" ? "health_score" : metric] = Number(r), ["threshold"] = Number(r) },
            ["timestamp"] = Iso(Time(r)),
            ["acknowledged"] = r.Next(2) == 0,
            ["resolved"] = resolved,
            ["resolution_note"] = resolved ? Sentence(r) : null,
        });
    }

    private static JsonObject Gaming(Random r)
    {
        var active = new JsonObject();
        var history = new JsonArray();
        for (var i = 0; i < r.Next(0, 5); i++)
        {
            var id = "gaming_alert_" + r.Next(1_000_000, 9_999_999);
            var alert = Alert(r, id);
            active[id] = alert;
            history.Add(alert.DeepClone());
            if (r.Next(3) == 0)
            {
                history.Add(alert.DeepClone()); // appended again on resolve, as the original did
            }
        }

        var thresholds = new JsonObject();
        foreach (var metric in new[] { "frame_rate", "response_time", "custom_" + r.Next(9) }.Take(r.Next(1, 4)))
        {
            var levels = new JsonObject { ["warning"] = Number(r) };
            if (r.Next(3) > 0)
            {
                levels["error"] = Number(r);
                levels["critical"] = Number(r);
            }

            thresholds[metric] = levels;
        }

        return new JsonObject { ["active_alerts"] = active, ["alert_history"] = history, ["alert_thresholds"] = thresholds };
    }

    private static JsonObject AiCore(Random r)
    {
        var models = new JsonObject();
        for (var i = 0; i < r.Next(0, 4); i++)
        {
            var name = Word(r).Replace(' ', '-') + "-" + i;
            models[name] = Extra(r, new JsonObject
            {
                ["name"] = name, ["provider"] = Pick(r, ["openai", "anthropic"]), ["model_id"] = name + "-id", ["version"] = r.Next(100).ToString(CultureInfo.InvariantCulture),
                ["capabilities"] = new JsonArray(Word(r), Word(r)),
                ["parameters"] = new JsonObject { ["temperature"] = Math.Round(r.NextDouble(), 2), ["max_tokens"] = r.Next(9000) },
                ["created_at"] = StrDateTime(Time(r)),
            });
        }

        var workflows = new JsonObject();
        for (var i = 0; i < r.Next(0, 3); i++)
        {
            var name = "wf-" + Word(r).Replace(' ', '-') + i;
            var steps = string.Join(", ", Enumerable.Range(0, r.Next(0, 4)).Select(s =>
                $"{{'name': 'step{s}', 'type': '{Pick(r, ["data", "inference", "storage"])}', 'parameters': {{'model': '{Word(r)}', 'batch_size': {r.Next(100)}}}, 'status': '{Pick(r, ["pending", "completed", "failed"])}', 'created_at': '{Iso(Time(r))}'}}"));
            workflows[name] = $"MLWorkflow(name='{name}', description='{Sentence(r)}', steps=[{steps}], dependencies=[], status='{Pick(r, ["pending", "running", "completed"])}', created_at={Repr(Time(r))})";
        }

        return new JsonObject
        {
            ["models"] = models,
            ["active_workflows"] = workflows,
            ["model_registrations"] = List(r, 3, () => new JsonObject { ["timestamp"] = Iso(Time(r)), ["model_name"] = Word(r), ["provider"] = "openai", ["model_id"] = Word(r), ["version"] = "1" }),
            ["workflow_executions"] = List(r, 3, () => r.Next(2) == 0
                ? new JsonObject { ["timestamp"] = Iso(Time(r)), ["workflow_name"] = Word(r), ["description"] = Sentence(r), ["steps_count"] = 0, ["status"] = "completed", ["completed_at"] = Iso(Time(r)) }
                : new JsonObject { ["timestamp"] = Iso(Time(r)), ["workflow_name"] = Word(r), ["description"] = Sentence(r), ["steps_count"] = 0 }),
            ["api_key_requests"] = List(r, 3, () => new JsonObject { ["timestamp"] = Iso(Time(r)), ["service"] = "openai", ["success"] = r.Next(2) == 0 }),
        };
    }

    private static JsonObject Models(Random r)
    {
        var models = new JsonObject();
        var operations = new JsonArray();
        for (var i = 0; i < r.Next(0, 4); i++)
        {
            var id = Word(r).Replace(' ', '-') + "-v" + i;
            var info = new JsonObject { ["framework"] = Pick(r, ["pytorch", "scikit_learn"]), ["task"] = Word(r), ["accuracy"] = Math.Round(r.NextDouble(), 3), ["owner"] = "Agent-" + r.Next(9) };
            var model = (JsonObject)info.DeepClone();
            model["registered_at"] = Iso(Time(r));
            model["status"] = Pick(r, ["registered", "training", "deployed", "deprecated"]);
            if (r.Next(2) == 0)
            {
                model["updated_at"] = Iso(Time(r));
            }

            models[id] = model;
            operations.Add(new JsonObject { ["timestamp"] = Iso(Time(r)), ["operation"] = "register", ["model_id"] = id, ["model_info"] = info });
            operations.Add(new JsonObject { ["timestamp"] = Iso(Time(r)), ["operation"] = "update_status", ["model_id"] = id, ["new_status"] = "training" });
        }

        return new JsonObject
        {
            ["models"] = models,
            ["model_operations"] = operations,
            ["storage_operations"] = new JsonArray(),
            ["api_key_operations"] = List(r, 2, () => new JsonObject { ["timestamp"] = Iso(Time(r)), ["operation"] = "get_api_key", ["service"] = "openai", ["success"] = true }),
        };
    }

    private static JsonObject Dependencies(Random r)
    {
        var names = Enumerable.Range(0, r.Next(0, 8)).Select(i => Word(r).Replace(' ', '_') + i).ToList();
        var cache = new JsonObject();
        var history = new JsonArray();
        foreach (var name in names)
        {
            var available = r.Next(3) > 0;
            cache[name] = available;
            history.Add(new JsonObject { ["module_name"] = name, ["available"] = available, ["timestamp"] = Iso(Time(r)), ["cache_hit"] = true });
        }

        return new JsonObject
        {
            ["dependency_cache"] = cache,
            ["dependency_history"] = history,
            ["critical_dependencies"] = new JsonArray([.. names.Take(r.Next(names.Count + 1)).Select(n => (JsonNode)n)]),
        };
    }

    private static JsonObject Swarm(Random r)
    {
        var agents = Enumerable.Range(1, r.Next(1, 6)).Select(i => "Agent-" + i).ToList();
        var integration = new JsonArray(new JsonObject { ["timestamp"] = Iso(Time(r)), ["operation"] = "initialize_integration", ["status"] = "active", ["integration_active"] = true, ["success"] = true });
        foreach (var agent in agents)
        {
            integration.Add(Extra(r, new JsonObject { ["timestamp"] = Iso(Time(r)), ["operation"] = "integrate_agent", ["agent_id"] = agent, ["name"] = Sentence(r), ["capabilities"] = new JsonArray(Word(r)), ["success"] = true }));
        }

        return new JsonObject
        {
            ["integration_operations"] = integration,
            ["coordination_operations"] = List(r, 3, () =>
            {
                var ids = agents.Take(r.Next(1, agents.Count + 1)).ToList();
                return new JsonObject
                {
                    ["timestamp"] = Iso(Time(r)), ["operation"] = "coordinate_agents", ["task_description"] = Sentence(r),
                    ["agent_ids"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]),
                    ["results"] = new JsonObject(ids.Select(i => KeyValuePair.Create(i, (JsonNode?)(r.Next(2) == 0)))),
                    ["success"] = true,
                };
            }),
            ["message_operations"] = List(r, 3, () => new JsonObject
            {
                ["timestamp"] = Iso(Time(r)), ["operation"] = "send_coordination_message", ["from_agent"] = Pick(r, agents), ["to_agent"] = Pick(r, agents),
                ["content"] = Sentence(r), ["message_type"] = Pick(r, ["coordination", "status"]), ["success"] = true,
            }),
            ["agent_integrations"] = new JsonObject(),
            ["coordination_tasks"] = new JsonArray(),
        };
    }

    private static JsonObject Core(Random r)
    {
        var components = new JsonObject();
        var registrations = new JsonArray();
        for (var i = 0; i < r.Next(0, 5); i++)
        {
            var name = Word(r).Replace(' ', '_') + "_manager" + i;
            components[name] = r.Next(4) == 0 ? new JsonObject { ["name"] = name, ["type"] = "test", ["owner"] = Word(r) } : $"{Word(r).Replace(' ', '_')}Manager({name}, status={Pick(r, ["offline", "active", "running"])})";
            registrations.Add(new JsonObject { ["timestamp"] = Iso(Time(r)), ["component_name"] = name, ["component_type"] = "Manager", ["success"] = true });
        }

        return new JsonObject
        {
            ["components"] = components,
            ["component_registrations"] = registrations,
            ["configuration_operations"] = List(r, 2, () => new JsonObject { ["timestamp"] = Iso(Time(r)), ["operation"] = "load_configuration", ["config_keys"] = new JsonArray("coordinates"), ["success"] = true }),
            ["system_operations"] = List(r, 2, () => new JsonObject { ["timestamp"] = Iso(Time(r)), ["operation"] = "initialize_system", ["error"] = "RUNNING", ["success"] = false }),
            ["config"] = new JsonObject
            {
                ["coordinates"] = new JsonObject { ["Agent-1"] = new JsonObject { ["x"] = r.Next(-2000, 2000), ["y"] = r.Next(2000) } },
                ["mode"] = Word(r),
            },
        };
    }

    private static JsonObject ApiKeys(Random r) => new()
    {
        ["key_operations"] = List(r, 5, () => new JsonObject { ["timestamp"] = Iso(Time(r)), ["operation"] = Pick(r, ["get_key", "set_key"]), ["service"] = Pick(r, ["openai", "anthropic"]), ["key_available"] = r.Next(2) == 0, ["key_valid"] = r.Next(3) == 0 ? null : r.Next(2) == 0 }),
        ["validation_attempts"] = List(r, 4, () => new JsonObject { ["timestamp"] = Iso(Time(r)), ["service"] = "openai", ["key_available"] = r.Next(2) == 0, ["key_valid"] = r.Next(2) == 0 }),
        ["security_checks"] = List(r, 2, () => new JsonObject { ["timestamp"] = Iso(Time(r)), ["check_type"] = "secure_storage", ["result"] = r.Next(2) == 0 }),
        ["services_configured"] = new JsonArray("openai", "anthropic"),
    };

    private static JsonObject Extra(Random r, JsonObject record)
    {
        if (r.Next(5) == 0)
        {
            record["extra_" + r.Next(100)] = Sentence(r);
        }

        return record;
    }

    private static JsonArray List(Random r, int max, Func<JsonObject> item) => new([.. Enumerable.Range(0, r.Next(0, max + 1)).Select(_ => (JsonNode)item())]);

    private static string Pick(Random r, IReadOnlyList<string> items) => items.Count == 0 ? "none" : items[r.Next(items.Count)];

    private static string Word(Random r) => s_words[r.Next(s_words.Length)];

    private static string Sentence(Random r) => new StringBuilder().AppendJoin(' ', Enumerable.Range(0, r.Next(1, 5)).Select(_ => Word(r))).ToString();

    private static double Number(Random r) => r.Next(4) == 0 ? r.Next(1, 1000) : Math.Round(r.NextDouble() * 1000, 2) + 0.5;

    private static DateTime Time(Random r)
    {
        var time = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddSeconds(r.Next(0, 60_000_000));
        return r.Next(5) == 0 ? time : time.AddTicks(r.Next(1, 1_000_000) * 10L); // microsecond 0 prints no fraction
    }

    /// <summary>datetime.isoformat(): a 'T', microseconds only when not zero.</summary>
    private static string Iso(DateTime time) => time.ToString(time.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss" : "yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>str(datetime): a space instead of the 'T'.</summary>
    private static string StrDateTime(DateTime time) => Iso(time).Replace('T', ' ');

    private static string Repr(DateTime time)
    {
        var micro = (int)(time.Ticks % TimeSpan.TicksPerSecond / 10);
        return micro == 0
            ? string.Create(CultureInfo.InvariantCulture, $"datetime.datetime({time.Year}, {time.Month}, {time.Day}, {time.Hour}, {time.Minute}, {time.Second})")
            : string.Create(CultureInfo.InvariantCulture, $"datetime.datetime({time.Year}, {time.Month}, {time.Day}, {time.Hour}, {time.Minute}, {time.Second}, {micro})");
    }
}
