using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using StateVault.Managers.AiMlCore;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Core;
using StateVault.Managers.Dependencies;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Swarm;

namespace StateVault.Managers.Legacy;

/// <summary>
/// The original system's file shapes, field by field, into the managers' typed state (docs/legacy-mapping.md is the table).
/// Each mapper reads through a <see cref="LegacyReader"/>: what it uses leaves the working copy, what it cannot place stays
/// there and becomes <c>legacy</c>. The original's values are kept as they were written (a validation's status, an alert's
/// flags); where the original is known to have been wrong, the record carries a note instead of a corrected value.
/// </summary>
internal static class LegacyShapes
{
    /// <summary>The systems whose original shape is mapped field by field (the others go through the generic mapping).</summary>
    public static bool Knows(string system) => system is CoreManager.ManagerName or HealthThresholdsManager.ManagerName
        or SwarmIntegrationManager.ManagerName or GamingAlertsManager.ManagerName or DependenciesManager.ManagerName
        or AiMlCoreManager.ManagerName or AiMlCoreManager.ModelsSystem or ApiKeysManager.ManagerName;

    public static object Map(string system, LegacyReader reader) => system switch
    {
        CoreManager.ManagerName => Core(reader),
        HealthThresholdsManager.ManagerName => Health(reader),
        SwarmIntegrationManager.ManagerName => Swarm(reader),
        GamingAlertsManager.ManagerName => Gaming(reader),
        DependenciesManager.ManagerName => Dependencies(reader),
        AiMlCoreManager.ManagerName => AiCore(reader),
        AiMlCoreManager.ModelsSystem => Models(reader),
        ApiKeysManager.ManagerName => ApiKeys(reader),
        _ => throw new ArgumentOutOfRangeException(nameof(system), system, "no field mapping for this system"),
    };

    private static string Id(string prefix, int index) => string.Create(CultureInfo.InvariantCulture, $"{prefix}_legacy_{index + 1}");

    // ---------------------------------------------------------------- core_management

    private static CoreManagementState Core(LegacyReader reader)
    {
        var root = reader.Root;
        var registrations = ImmutableList.CreateBuilder<ComponentRegistration>();
        var registeredAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        reader.EachItem(root, "component_registrations", (f, i) =>
        {
            var name = f.Str("component_name");
            if (name is null)
            {
                return;
            }

            var time = f.Time("timestamp") ?? reader.FileTime;
            registeredAt[name] = time;
            registrations.Add(new ComponentRegistration(Id("reg", i), name, f.Str("component_type") ?? string.Empty, "register", time, f.Bool("success")));
            f.Commit();
        });

        var components = ImmutableSortedDictionary.CreateBuilder<string, ComponentRecord>(StringComparer.Ordinal);
        var order = 0;
        reader.EachEntry(root, "components", (key, value, fields) =>
        {
            ComponentRecord? record = null;
            if (value is JsonValue v && v.TryGetValue<string>(out var repr) && PythonLiteral.TryParseCall(repr.Trim(), out var type, out var arguments))
            {
                // str(component): "GamingAlertManager(gaming_alert_manager, status=offline)"
                var name = arguments.FirstOrDefault(a => a.Key is null).Value is JsonValue n && n.TryGetValue<string>(out var s) ? s : key;
                var status = arguments.FirstOrDefault(a => a.Key == "status").Value is JsonValue st && st.TryGetValue<string>(out var t) ? t : "unknown";
                var rest = arguments.Select((a, i) => KeyValuePair.Create(a.Key ?? string.Create(CultureInfo.InvariantCulture, $"arg{i}"), a.Value))
                    .Where(a => a.Key is not "status" and not "arg0").ToDictionary(a => a.Key, a => a.Value);
                record = new ComponentRecord
                {
                    Name = name,
                    Type = type,
                    Status = status,
                    Order = order,
                    RegisteredAt = registeredAt.GetValueOrDefault(key, reader.FileTime),
                    Attributes = rest.Count == 0 ? null : LegacyReader.ToElements(new JsonObject(rest.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())))),
                };
            }
            else if (fields is not null)
            {
                // A plain dict registered as a component: its name and type, the rest kept as attributes.
                var name = fields.Str("name") ?? key;
                var dictType = fields.Str("type") ?? "dict";
                var status = fields.Str("status") ?? "unknown";
                var others = fields.Node.Select(p => p.Key).Where(k => k is not "name" and not "type" and not "status").ToList();
                var attributes = new JsonObject(others.Select(k => KeyValuePair.Create(k, fields.Node[k]?.DeepClone())));
                others.ForEach(fields.Use);
                record = new ComponentRecord
                {
                    Name = name,
                    Type = dictType,
                    Status = status,
                    Order = order,
                    RegisteredAt = registeredAt.GetValueOrDefault(key, reader.FileTime),
                    Attributes = attributes.Count == 0 ? null : LegacyReader.ToElements(attributes),
                };
                fields.Commit();
            }

            if (record is null)
            {
                return false;
            }

            components[key] = record;
            order++;
            return true;
        });

        var configOperations = ImmutableList.CreateBuilder<ConfigurationOperation>();
        reader.EachItem(root, "configuration_operations", (f, i) =>
        {
            var operation = f.Str("operation");
            if (operation is null)
            {
                return;
            }

            var keys = f.Strings("config_keys");
            configOperations.Add(new ConfigurationOperation(
                Id("cfg", i),
                f.Str("key") ?? (keys is null ? "*" : string.Join(",", keys)),
                operation,
                f.Str("old_value"),
                f.Str("new_value"),
                "legacy",
                f.Time("timestamp") ?? reader.FileTime,
                keys,
                f.Bool("success")));
            f.Commit();
        });

        var systemOperations = ImmutableList.CreateBuilder<SystemOperation>();
        reader.EachItem(root, "system_operations", (f, i) =>
        {
            var operation = f.Str("operation");
            if (operation is null)
            {
                return;
            }

            systemOperations.Add(new SystemOperation(
                Id("sysop", i),
                operation,
                f.Time("timestamp") ?? reader.FileTime,
                f.Bool("success") ?? false,
                f.Dict("components") is { } statuses ? statuses.ToImmutableSortedDictionary(p => p.Key, p => Text(p.Value), StringComparer.Ordinal) : ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal),
                ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal),
                f.Str("error")));
            f.Commit();
        });

        // Configuration values are strings here; a nested value is kept as its JSON text, readable and lossless.
        var config = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        reader.EachEntry(root, "config", (key, value, fields) =>
        {
            config[key] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString() ?? "null";
            fields?.Node.Select(p => p.Key).ToList().ForEach(fields.Use);
            fields?.Commit();
            return true;
        });

        return new CoreManagementState
        {
            Components = components.ToImmutable(),
            ComponentRegistrations = registrations.ToImmutable(),
            ConfigurationOperations = configOperations.ToImmutable(),
            SystemOperations = systemOperations.ToImmutable(),
            Config = config.ToImmutable(),
        };
    }

    // ---------------------------------------------------------------- health_thresholds

    private static HealthThresholdsState Health(LegacyReader reader)
    {
        var root = reader.Root;
        var operations = ImmutableList.CreateBuilder<ThresholdOperation>();
        var lastSet = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        reader.EachItem(root, "threshold_operations", (f, i) =>
        {
            var operation = f.Str("operation");
            var metric = f.Str("metric_type") ?? f.Str("metric");
            if (operation is null || metric is null)
            {
                return;
            }

            var time = f.Time("timestamp") ?? reader.FileTime;
            lastSet[metric] = time;
            operations.Add(new ThresholdOperation(Id("thop", i), OperationName(operation), metric, time, f.Num("warning_threshold"), f.Num("critical_threshold"), f.Str("unit"), f.Bool("success")));
            f.Commit();
        });

        var changes = ImmutableList.CreateBuilder<ConfigurationChange>();
        DateTimeOffset? initialized = null;
        reader.EachItem(root, "configuration_changes", (f, i) =>
        {
            var operation = f.Str("operation");
            if (operation is null)
            {
                return;
            }

            var time = f.Time("timestamp") ?? reader.FileTime;
            if (operation.StartsWith("initialize", StringComparison.Ordinal))
            {
                initialized ??= time;
            }

            var count = f.Num("thresholds_count");
            changes.Add(new ConfigurationChange(Id("cfgchg", i), f.Str("metric_type") ?? "*", null, null, time, operation, count is null ? null : (int)count, f.Bool("success")));
            f.Commit();
        });

        var thresholds = ImmutableSortedDictionary.CreateBuilder<string, MetricThreshold>(StringComparer.Ordinal);
        reader.EachEntry(root, "thresholds", (key, _, f) =>
        {
            if (f is null)
            {
                return false;
            }

            var warning = f.Num("warning_threshold") ?? f.Num("warning");
            var critical = f.Num("critical_threshold") ?? f.Num("critical");
            if (warning is null || critical is null)
            {
                return false;
            }

            var metric = f.Str("metric_type") ?? key;
            thresholds[key] = new MetricThreshold
            {
                Metric = metric,
                Warning = warning.Value,
                Critical = critical.Value,
                // The original had no direction and judged every metric as higher-is-worse; levels that fall say lower is worse.
                Direction = warning > critical ? ThresholdDirection.LowerIsWorse : ThresholdDirection.HigherIsWorse,
                Unit = f.Str("unit") ?? string.Empty,
                Description = f.Str("description"),
                Custom = lastSet.ContainsKey(metric),
                UpdatedAt = lastSet.TryGetValue(metric, out var set) ? set : initialized ?? reader.FileTime,
            };
            f.Commit();
            return true;
        });

        var validations = ImmutableList.CreateBuilder<ValidationOperation>();
        reader.EachItem(root, "validation_operations", (f, i) =>
        {
            var metric = f.Str("metric_type") ?? f.Str("metric");
            var value = f.Num("value");
            var status = f.Enum<HealthLevel>("status") ?? f.Enum<HealthLevel>("result");
            if (metric is null || value is null || status is null)
            {
                return;
            }

            double? warning = null, critical = null;
            string? unit = null;
            if (f.Node["threshold"] is JsonObject threshold)
            {
                var t = reader.Fields(threshold);
                warning = t.Num("warning");
                critical = t.Num("critical");
                unit = t.Str("unit");
                t.Commit();
                if (threshold.Count == 0)
                {
                    f.Use("threshold");
                }
            }

            validations.Add(new ValidationOperation(Id("val", i), metric, value.Value, status.Value, f.Time("timestamp") ?? reader.FileTime, warning, critical, unit, WrongDirection(value.Value, status.Value, warning, critical)));
            f.Commit();
        });

        return new HealthThresholdsState
        {
            Thresholds = thresholds.ToImmutable(),
            ThresholdOperations = operations.ToImmutable(),
            ValidationOperations = validations.ToImmutable(),
            ConfigurationChanges = changes.ToImmutable(),
        };
    }

    private static string OperationName(string operation) => operation switch
    {
        "set_threshold" => "set",
        "remove_threshold" => "remove",
        "reset_thresholds" or "reset_to_defaults" => "reset",
        _ => operation,
    };

    /// <summary>
    /// The original judged every value as if higher were worse (critical at or above critical, warning at or above warning). For a
    /// metric whose levels fall (warning 90, critical 75) that is the wrong way round: the record keeps the original's status and
    /// says what the right one is.
    /// </summary>
    private static string? WrongDirection(double value, HealthLevel recorded, double? warning, double? critical)
    {
        if (warning is not { } w || critical is not { } c || w <= c)
        {
            return null;
        }

        var right = new MetricThreshold { Metric = "m", Warning = w, Critical = c, Direction = ThresholdDirection.LowerIsWorse }.Evaluate(value);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"the original judged this lower-is-worse metric as if higher were worse (warning {w}, critical {c}); judged the right way round, {value} is {right.ToString().ToLowerInvariant()}{(right == recorded ? " (the same)" : string.Empty)}");
    }

    // ---------------------------------------------------------------- swarm_integration

    private static SwarmIntegrationState Swarm(LegacyReader reader)
    {
        var root = reader.Root;
        var agents = ImmutableSortedDictionary.CreateBuilder<string, SwarmAgent>(StringComparer.Ordinal);
        var integrations = ImmutableList.CreateBuilder<IntegrationOperation>();
        string? status = null;
        reader.EachItem(root, "integration_operations", (f, i) =>
        {
            var operation = f.Str("operation");
            if (operation is null)
            {
                return;
            }

            var time = f.Time("timestamp") ?? reader.FileTime;
            var agentId = f.Str("agent_id");
            var name = f.Str("name");
            var capabilities = f.Strings("capabilities");
            var success = f.Bool("success");
            var reported = f.Str("status");
            status = reported ?? status;
            integrations.Add(new IntegrationOperation(Id("integ", i), operation, time, success, agentId, name, capabilities, reported, f.Bool("integration_active")));
            if (agentId is not null)
            {
                agents[agentId] = new SwarmAgent
                {
                    Id = agentId,
                    Name = name ?? agentId,
                    Capabilities = capabilities ?? [],
                    Status = AgentStatus.Available,
                    Integrated = success ?? true,
                    RegisteredAt = agents.TryGetValue(agentId, out var before) ? before.RegisteredAt : time,
                    LastSeenAt = time,
                };
            }

            f.Commit();
        });

        // agent_integrations: agent id → what was recorded at integration (same fields as an integrate_agent operation).
        reader.EachEntry(root, "agent_integrations", (key, _, f) =>
        {
            if (f is null)
            {
                return false;
            }

            var time = f.Time("integrated_at") ?? f.Time("timestamp") ?? reader.FileTime;
            var existing = agents.GetValueOrDefault(key);
            agents[key] = new SwarmAgent
            {
                Id = key,
                Name = f.Str("name") ?? existing?.Name ?? key,
                Capabilities = f.Strings("capabilities") ?? existing?.Capabilities ?? [],
                Status = f.Enum<AgentStatus>("status") ?? existing?.Status ?? AgentStatus.Available,
                Integrated = f.Bool("integrated") ?? true,
                RegisteredAt = existing?.RegisteredAt ?? time,
                LastSeenAt = time,
            };
            f.Commit();
            return true;
        });

        var tasks = ImmutableSortedDictionary.CreateBuilder<string, CoordinationTask>(StringComparer.Ordinal);
        reader.EachItem(root, "coordination_operations", (f, i) =>
        {
            var description = f.Str("task_description");
            if (description is null)
            {
                return;
            }

            f.Expect("operation", "coordinate_agents");
            var time = f.Time("timestamp") ?? reader.FileTime;
            var results = ImmutableSortedDictionary.CreateBuilder<string, AgentTaskResult>(StringComparer.Ordinal);
            if (f.Node["results"] is JsonObject byAgent)
            {
                var r = reader.Fields(byAgent);
                foreach (var agent in byAgent.Select(p => p.Key).ToList())
                {
                    if (r.Bool(agent) is { } ok)
                    {
                        results[agent] = new AgentTaskResult(ok, null, time);
                    }
                }

                r.Commit();
                if (byAgent.Count == 0)
                {
                    f.Use("results");
                }
            }

            var id = f.Str("task_id") ?? Id("task", i);
            var all = results.Values.ToList();
            tasks[id] = new CoordinationTask
            {
                Id = id,
                Description = description,
                AgentIds = f.Strings("agent_ids") ?? [],
                Status = all.Count == 0 ? CoordinationTaskStatus.Pending
                    : all.All(r => r.Success) ? CoordinationTaskStatus.Completed
                    : all.Any(r => r.Success) ? CoordinationTaskStatus.PartiallyCompleted
                    : CoordinationTaskStatus.Failed,
                CreatedAt = time,
                CompletedAt = all.Count == 0 ? null : time,
                Success = f.Bool("success"),
                Results = results.ToImmutable(),
            };
            f.Commit();
        });

        // coordination_tasks: tasks the original kept open (task id, description, agent ids, status, time).
        reader.EachItem(root, "coordination_tasks", (f, i) =>
        {
            var description = f.Str("task_description") ?? f.Str("description");
            if (description is null)
            {
                return;
            }

            var id = f.Str("task_id") ?? f.Str("id") ?? Id("opentask", i);
            tasks[id] = new CoordinationTask
            {
                Id = id,
                Description = description,
                AgentIds = f.Strings("agent_ids") ?? [],
                Status = f.Enum<CoordinationTaskStatus>("status") ?? CoordinationTaskStatus.Pending,
                CreatedAt = f.Time("created_at") ?? f.Time("timestamp") ?? reader.FileTime,
            };
            f.Commit();
        });

        var messages = ImmutableList.CreateBuilder<SwarmMessage>();
        reader.EachItem(root, "message_operations", (f, i) =>
        {
            var from = f.Str("from_agent");
            var to = f.Str("to_agent");
            var content = f.Str("content");
            if (from is null || to is null || content is null)
            {
                return;
            }

            f.Expect("operation", "send_coordination_message");
            messages.Add(new SwarmMessage(Id("msg", i), from, to, f.Str("message_type") ?? "message", content, f.Time("timestamp") ?? reader.FileTime, false, f.Bool("success")));
            f.Commit();
        });

        var taskList = tasks.Values.ToList();
        return new SwarmIntegrationState
        {
            Agents = agents.ToImmutable(),
            CoordinationTasks = tasks.ToImmutable(),
            MessageHistory = messages.ToImmutable(),
            IntegrationOperations = integrations.ToImmutable(),
            IntegrationStatus = status ?? (agents.Count > 0 ? "active" : "inactive"),
            Counters = new SwarmCounters
            {
                MessagesSent = messages.Count,
                TasksCreated = taskList.Count,
                TasksCompleted = taskList.Count(t => t.Status == CoordinationTaskStatus.Completed),
                TasksFailed = taskList.Count(t => t.Status is CoordinationTaskStatus.Failed or CoordinationTaskStatus.PartiallyCompleted),
            },
        };
    }

    // ---------------------------------------------------------------- gaming_alerts

    private static GamingAlertsState Gaming(LegacyReader reader)
    {
        var root = reader.Root;
        var active = ImmutableSortedDictionary.CreateBuilder<string, GamingAlert>(StringComparer.Ordinal);
        reader.EachEntry(root, "active_alerts", (key, _, f) =>
        {
            if (f is null || Alert(f, key, reader) is not { } alert)
            {
                return false;
            }

            active[alert.Id] = alert;
            return true;
        });

        var history = ImmutableList.CreateBuilder<GamingAlert>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        reader.EachItem(root, "alert_history", (f, i) =>
        {
            if (Alert(f, null, reader) is not { } alert)
            {
                return;
            }

            if (seen.TryGetValue(alert.Id, out var first))
            {
                // The original appended a resolved alert to the history a second time (the same dict, mutated).
                alert = alert with { Note = string.Create(CultureInfo.InvariantCulture, $"duplicate: the original appended this alert to the history again (entry {i + 1} repeats entry {first + 1})") };
            }
            else
            {
                seen[alert.Id] = i;
            }

            history.Add(alert);
        });

        var defaults = GamingAlertsManager.Defaults();
        var thresholds = ImmutableSortedDictionary.CreateBuilder<string, GamingThreshold>(StringComparer.Ordinal);
        reader.EachEntry(root, "alert_thresholds", (metric, _, f) =>
        {
            var medium = f?.Num("warning") ?? f?.Num("medium");
            if (f is null || medium is null)
            {
                return false;
            }

            var high = f.Num("error") ?? f.Num("high");
            var critical = f.Num("critical");
            var last = critical ?? high;
            var known = defaults.GetValueOrDefault(metric);
            thresholds[metric] = new GamingThreshold
            {
                Metric = metric,
                // Levels that fall fire below them (frame rate, health); a single level takes the built-in direction, else above.
                Comparison = last is { } l ? (l < medium ? ThresholdComparison.Below : ThresholdComparison.Above) : known?.Comparison ?? ThresholdComparison.Above,
                Medium = medium.Value,
                High = high,
                Critical = critical,
                Unit = f.Str("unit") ?? known?.Unit ?? string.Empty,
                AlertType = known?.AlertType ?? TypeOf(metric),
            };
            f.Commit();
            return true;
        });

        return new GamingAlertsState
        {
            Thresholds = thresholds.Count > 0 || root.ContainsKey("alert_thresholds") ? thresholds.ToImmutable() : defaults,
            ActiveAlerts = active.ToImmutable(),
            AlertHistory = history.ToImmutable(),
        };
    }

    private static GamingAlert? Alert(LegacyFields f, string? key, LegacyReader reader)
    {
        var id = f.Str("alert_id") ?? key;
        var metric = f.Str("alert_type");
        var system = f.Str("system_id");
        if (id is null || metric is null || system is null)
        {
            return null;
        }

        var context = f.Dict("game_context");
        double Context(string name) => context is not null && context.TryGetValue(name, out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.NaN;
        var value = Context(metric);
        if (double.IsNaN(value) && context is not null)
        {
            // system_health records its value as health_score: the one number that is not the threshold.
            value = context.Where(p => p.Key != "threshold" && p.Value.ValueKind == JsonValueKind.Number).Select(p => p.Value.GetDouble()).DefaultIfEmpty(0).First();
        }

        var time = f.Time("timestamp") ?? reader.FileTime;
        var acknowledged = f.Bool("acknowledged") ?? false;
        var resolved = f.Bool("resolved") ?? false;
        var alert = new GamingAlert
        {
            Id = id,
            GameSystem = system,
            Metric = metric,
            Type = TypeOf(metric),
            Severity = f.Enum<AlertSeverity>("severity") ?? AlertSeverity.Medium,
            Status = resolved ? AlertStatus.Resolved : acknowledged ? AlertStatus.Acknowledged : AlertStatus.Active,
            Value = double.IsNaN(value) ? 0 : value,
            Threshold = double.IsNaN(Context("threshold")) ? 0 : Context("threshold"),
            Message = f.Str("message") ?? string.Empty,
            CreatedAt = time,
            UpdatedAt = time,
            // The original kept a flag, not a time: acknowledged by the original system, when unknown.
            AcknowledgedBy = acknowledged ? "original system" : null,
            ResolutionNote = f.Str("resolution_note"),
            GameContext = context,
        };
        f.Commit();
        return alert;
    }

    private static AlertType TypeOf(string metric) => metric switch
    {
        "frame_rate" or "fps" => AlertType.Performance,
        "system_health" or "health" => AlertType.SystemHealth,
        _ when metric.Contains("latency", StringComparison.Ordinal) || metric.Contains("response", StringComparison.Ordinal) => AlertType.Latency,
        _ when metric.Contains("memory", StringComparison.Ordinal) || metric.Contains("cpu", StringComparison.Ordinal) || metric.Contains("usage", StringComparison.Ordinal) => AlertType.Resource,
        _ => AlertType.Custom,
    };

    // ---------------------------------------------------------------- dependencies

    private static DependenciesState Dependencies(LegacyReader reader)
    {
        var root = reader.Root;
        var critical = reader.TakeStrings("critical_dependencies")?.ToHashSet(StringComparer.Ordinal) ?? [];
        var checks = ImmutableList.CreateBuilder<DependencyCheck>();
        reader.EachItem(root, "dependency_history", (f, i) =>
        {
            var name = f.Str("module_name");
            var available = f.Bool("available");
            if (name is null || available is null)
            {
                return;
            }

            var cacheHit = f.Bool("cache_hit");
            var first = !checks.Any(c => c.Name == name);
            checks.Add(new DependencyCheck(
                Id("check", i),
                name,
                available.Value,
                f.Time("timestamp") ?? reader.FileTime,
                0,
                1,
                available.Value ? null : "not importable in the original system",
                cacheHit,
                first && cacheHit == true ? "the original wrote cache_hit: true on the first check of this module (it marked every check as a cache hit)" : null));
            f.Commit();
        });

        var cache = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (root["dependency_cache"] is JsonObject cached)
        {
            var f = reader.Fields(cached);
            foreach (var name in cached.Select(p => p.Key).ToList())
            {
                if (f.Bool(name) is { } ok)
                {
                    cache[name] = ok;
                }
            }

            f.Commit();
            if (cached.Count == 0)
            {
                root.Remove("dependency_cache");
            }
        }

        var names = cache.Keys.Concat(checks.Select(c => c.Name)).Concat(critical).Distinct(StringComparer.Ordinal);
        var records = ImmutableSortedDictionary.CreateBuilder<string, DependencyRecord>(StringComparer.Ordinal);
        var failed = ImmutableSortedDictionary.CreateBuilder<string, FailedDependency>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var own = checks.Where(c => c.Name == name).ToList();
            var lastResult = cache.TryGetValue(name, out var c) ? c : own.Count > 0 ? own[^1].Available : (bool?)null;
            var trailing = own.AsEnumerable().Reverse().TakeWhile(x => !x.Available).ToList();
            var record = new DependencyRecord
            {
                Name = name,
                Kind = DependencyKind.PythonModule,
                Target = name,
                Critical = critical.Contains(name),
                Status = lastResult switch { true => DependencyStatus.Available, false => DependencyStatus.Unavailable, null => DependencyStatus.Unknown },
                LastCheckedAt = own.Count > 0 ? own[^1].Timestamp : null,
                LastAvailableAt = own.LastOrDefault(x => x.Available)?.Timestamp,
                LastError = lastResult == false ? "not importable in the original system" : null,
                ConsecutiveFailures = lastResult == false ? Math.Max(trailing.Count, 1) : 0,
                Checks = own.Count,
                Failures = own.Count(x => !x.Available),
            };
            records[name] = record;
            if (lastResult == false)
            {
                failed[name] = new FailedDependency(name, record.Kind, name, record.Critical, trailing.LastOrDefault()?.Timestamp ?? record.LastCheckedAt ?? reader.FileTime, record.LastError!, record.ConsecutiveFailures);
            }
        }

        return new DependenciesState
        {
            Dependencies = records.ToImmutable(),
            CheckHistory = checks.ToImmutable(),
            FailedDependencies = failed.ToImmutable(),
        };
    }

    // ---------------------------------------------------------------- ai_ml_core

    private static AiMlCoreState AiCore(LegacyReader reader)
    {
        var root = reader.Root;
        var models = ImmutableSortedDictionary.CreateBuilder<string, ModelRecord>(StringComparer.Ordinal);
        reader.EachEntry(root, "models", (key, _, f) =>
        {
            if (f is null || ProviderModel(f, key, reader) is not { } model)
            {
                return false;
            }

            models[key] = model;
            return true;
        });

        var registrations = ImmutableList.CreateBuilder<ModelRegistration>();
        reader.EachItem(root, "model_registrations", (f, i) =>
        {
            var name = f.Str("model_name");
            if (name is null)
            {
                return;
            }

            registrations.Add(new ModelRegistration(Id("modreg", i), name, "registered", null, f.Time("timestamp") ?? reader.FileTime, f.Str("provider"), f.Str("model_id"), f.Str("version")));
            f.Commit();
        });

        var workflows = ImmutableSortedDictionary.CreateBuilder<string, MlWorkflow>(StringComparer.Ordinal);
        reader.EachEntry(root, "active_workflows", (key, value, fields) =>
        {
            var (workflow, leftovers) = Workflow(key, value, fields, reader);
            if (workflow is null)
            {
                return false;
            }

            workflows[workflow.Id] = workflow;
            if (leftovers is not null)
            {
                // What the repr held that has no typed place replaces the repr string under legacy.
                ((JsonObject)root["active_workflows"]!)[key] = leftovers;
                return false;
            }

            return true;
        });

        var executions = ImmutableList.CreateBuilder<MlWorkflowExecution>();
        reader.EachItem(root, "workflow_executions", (f, i) =>
        {
            var name = f.Str("workflow_name");
            if (name is null)
            {
                return;
            }

            var started = f.Time("timestamp") ?? reader.FileTime;
            var finished = f.Time("completed_at");
            var status = f.Enum<MlStepStatus>("status");
            var steps = f.Num("steps_count");
            var declared = workflows.GetValueOrDefault(name)?.Steps.Count ?? 0;
            string? note = steps == 0 && declared > 0
                ? string.Create(CultureInfo.InvariantCulture, $"the original recorded steps_count 0; the workflow has {declared} steps")
                : null;
            executions.Add(new MlWorkflowExecution(
                Id("mlexec", i),
                name,
                status ?? (finished is null ? MlStepStatus.Running : MlStepStatus.Completed),
                started,
                finished ?? started,
                null,
                f.Str("description"),
                steps is null ? null : (int)steps,
                note,
                Finished: finished is not null));
            f.Commit();
        });

        var requests = ImmutableList.CreateBuilder<ApiKeyRequest>();
        reader.EachItem(root, "api_key_requests", (f, i) => KeyRequest(f, i, reader, requests));

        return new AiMlCoreState
        {
            Models = models.ToImmutable(),
            ModelRegistrations = registrations.ToImmutable(),
            Workflows = workflows.ToImmutable(),
            WorkflowExecutions = executions.ToImmutable(),
            ApiKeyRequests = requests.ToImmutable(),
        };
    }

    private static void KeyRequest(LegacyFields f, int i, LegacyReader reader, ImmutableList<ApiKeyRequest>.Builder requests)
    {
        var service = f.Str("service");
        if (service is null)
        {
            return;
        }

        requests.Add(new ApiKeyRequest(Id("keyreq", i), service, f.Str("operation") ?? f.Str("purpose") ?? string.Empty, f.Bool("success") ?? false, null, f.Time("timestamp") ?? reader.FileTime));
        f.Commit();
    }

    private static ModelRecord? ProviderModel(LegacyFields f, string key, LegacyReader reader)
    {
        var provider = f.Str("provider");
        if (provider is null)
        {
            return null;
        }

        var created = f.Time("created_at") ?? reader.FileTime;
        var model = new ModelRecord
        {
            Id = key,
            Name = f.Str("name") ?? key,
            Provider = provider,
            ModelId = f.Str("model_id") ?? key,
            Version = f.Str("version") ?? "1.0",
            Capabilities = f.Strings("capabilities") ?? [],
            Parameters = f.Dict("parameters") ?? ImmutableSortedDictionary.Create<string, JsonElement>(StringComparer.Ordinal),
            Status = f.Enum<ModelStatus>("status") ?? ModelStatus.Registered,
            CreatedAt = created,
            UpdatedAt = f.Time("updated_at") ?? created,
        };
        f.Commit();
        return model;
    }

    /// <summary>An active workflow (a repr string or a dict); the arguments it could not place are returned as leftovers.</summary>
    private static (MlWorkflow? Workflow, JsonObject? Leftovers) Workflow(string key, JsonNode? value, LegacyFields? fields, LegacyReader reader)
    {
        JsonObject arguments;
        var fromRepr = false;
        if (value is JsonValue v && v.TryGetValue<string>(out var repr) && PythonLiteral.TryParseCall(repr.Trim(), out _, out var parsed))
        {
            // str(MLWorkflow(...)): the arguments become the fields of a record read like any other.
            arguments = new JsonObject(parsed.Select((a, i) => KeyValuePair.Create(a.Key ?? string.Create(CultureInfo.InvariantCulture, $"arg{i}"), a.Value?.DeepClone())));
            fromRepr = true;
        }
        else if (fields is not null)
        {
            arguments = fields.Node;
        }
        else
        {
            return (null, null);
        }

        var f = reader.Fields(arguments);
        var name = f.Str("name") ?? key;
        var created = f.Time("created_at") ?? reader.FileTime;
        var steps = ImmutableList.CreateBuilder<MlWorkflowStep>();
        reader.EachItem(arguments, "steps", (s, _) =>
        {
            var stepName = s.Str("name");
            if (stepName is null)
            {
                return;
            }

            var parameters = s.Dict("parameters");
            steps.Add(new MlWorkflowStep
            {
                Name = stepName,
                Kind = MlStepKind.Imported,
                Target = parameters is not null && parameters.TryGetValue("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : string.Empty,
                Type = s.Str("type"),
                Parameters = parameters,
                Status = s.Enum<MlStepStatus>("status") ?? MlStepStatus.Pending,
                CreatedAt = s.Time("created_at"),
            });
            s.Commit();
        });

        var workflow = new MlWorkflow
        {
            Id = key,
            Name = name,
            Description = f.Str("description") ?? string.Empty,
            Dependencies = f.Strings("dependencies") ?? [],
            Steps = steps.ToImmutable(),
            Status = f.Enum<MlStepStatus>("status") ?? MlStepStatus.Pending,
            CreatedAt = created,
            UpdatedAt = f.Time("updated_at") ?? created,
        };
        f.Commit();
        return (workflow, fromRepr && arguments.Count > 0 ? arguments : null);
    }

    // ---------------------------------------------------------------- ai_ml_models

    private static AiMlModelsState Models(LegacyReader reader)
    {
        var root = reader.Root;
        var models = ImmutableSortedDictionary.CreateBuilder<string, ModelRecord>(StringComparer.Ordinal);
        reader.EachEntry(root, "models", (key, _, f) =>
        {
            if (f is null)
            {
                return false;
            }

            if (f.Has("provider"))
            {
                if (ProviderModel(f, key, reader) is { } providerModel)
                {
                    models[key] = providerModel;
                    return true;
                }

                return false;
            }

            // The model manager's records: framework, task, owner, status, times; every other value (accuracy, parameters_m,
            // contamination, …) is one of the model_info kwargs and goes to the parameters.
            var registered = f.Time("registered_at") ?? f.Time("created_at") ?? reader.FileTime;
            var model = new ModelRecord
            {
                Id = key,
                Name = f.Str("name") ?? key,
                Provider = string.Empty,
                ModelId = key,
                Version = f.Str("version") ?? "1.0",
                Framework = f.Str("framework"),
                Task = f.Str("task"),
                Owner = f.Str("owner"),
                Status = f.Enum<ModelStatus>("status") ?? ModelStatus.Registered,
                CreatedAt = registered,
                UpdatedAt = f.Time("updated_at") ?? registered,
            };
            f.Commit();
            var extra = f.Node.Select(p => p.Key).ToList();
            model = model with { Parameters = LegacyReader.ToElements(new JsonObject(extra.Select(k => KeyValuePair.Create(k, f.Node[k]?.DeepClone())))) };
            extra.ForEach(k => f.Node.Remove(k));
            models[key] = model;
            return true;
        });

        var registrations = ImmutableList.CreateBuilder<ModelRegistration>();
        reader.EachItem(root, "model_operations", (f, i) =>
        {
            var operation = f.Str("operation");
            var model = f.Str("model_id");
            if (operation is null || model is null)
            {
                return;
            }

            var status = f.Enum<ModelStatus>("new_status");
            registrations.Add(new ModelRegistration(
                Id("modreg", i),
                model,
                operation switch { "register" => "registered", "update_status" => "status_changed", "delete" or "delete_model" => "deleted", _ => operation },
                status ?? (operation == "register" ? ModelStatus.Registered : null),
                f.Time("timestamp") ?? reader.FileTime,
                Info: f.Dict("model_info")));
            f.Commit();
        });

        var requests = ImmutableList.CreateBuilder<ApiKeyRequest>();
        reader.EachItem(root, "api_key_operations", (f, i) => KeyRequest(f, i, reader, requests));

        return new AiMlModelsState
        {
            Models = models.ToImmutable(),
            ModelRegistrations = registrations.ToImmutable(),
            ApiKeyRequests = requests.ToImmutable(),
        };
    }

    // ---------------------------------------------------------------- api_keys

    private static ApiKeysState ApiKeys(LegacyReader reader)
    {
        var root = reader.Root;
        var operations = ImmutableList.CreateBuilder<KeyOperation>();
        reader.EachItem(root, "key_operations", (f, i) =>
        {
            var operation = f.Str("operation");
            var service = f.Str("service");
            if (operation is null || service is null)
            {
                return;
            }

            var available = f.Bool("key_available");
            var valid = f.Bool("key_valid");
            operations.Add(new KeyOperation(Id("keyop", i), operation, service, null, f.Bool("success") ?? valid == true, null, f.Time("timestamp") ?? reader.FileTime, available, valid));
            f.Commit();
        });

        var validations = ImmutableList.CreateBuilder<ValidationAttempt>();
        reader.EachItem(root, "validation_attempts", (f, i) =>
        {
            var service = f.Str("service");
            if (service is null)
            {
                return;
            }

            var available = f.Bool("key_available");
            var valid = f.Bool("key_valid");
            var result = available == false ? KeyValidationResult.Missing : valid == true ? KeyValidationResult.Valid : valid == false ? KeyValidationResult.InvalidFormat : KeyValidationResult.Unknown;
            validations.Add(new ValidationAttempt(Id("keyval", i), string.Empty, service, result, null, f.Time("timestamp") ?? reader.FileTime, available, valid));
            f.Commit();
        });

        var checks = ImmutableList.CreateBuilder<SecurityCheck>();
        reader.EachItem(root, "security_checks", (f, i) =>
        {
            var type = f.Str("check_type");
            if (type is null)
            {
                return;
            }

            checks.Add(new SecurityCheck(Id("seccheck", i), string.Empty, f.Str("service") ?? string.Empty, 0, false, false, f.Time("timestamp") ?? reader.FileTime, type, f.Bool("result")));
            f.Commit();
        });

        return new ApiKeysState
        {
            KeyOperations = operations.ToImmutable(),
            ValidationAttempts = validations.ToImmutable(),
            SecurityChecks = checks.ToImmutable(),
            ConfiguredServices = reader.TakeStrings("services_configured") ?? [],
        };
    }

    private static string Text(JsonElement element) => element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
}
