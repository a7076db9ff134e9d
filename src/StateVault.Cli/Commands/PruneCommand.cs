using System.CommandLine;
using Spectre.Console;
using StateVault.Cli.Output;
using StateVault.Retention;

namespace StateVault.Cli.Commands;

/// <summary>
/// <c>statevault prune [&lt;system&gt;] --keep-… [--dry-run]</c>: applies a retention policy (the union of the given rules)
/// and prints every decision with its reason. Damaged snapshots are quarantined, never deleted, and never count.
/// </summary>
internal static class PruneCommand
{
    public static Command Create()
    {
        var system = CommonArguments.OptionalSystem("The system to prune. Default: every system.");
        var keepLast = Count("--keep-last", "Keep the newest N snapshots.");
        var keepHourly = Count("--keep-hourly", "Keep the newest snapshot of each of the newest N hours (UTC).");
        var keepDaily = Count("--keep-daily", "Keep the newest snapshot of each of the newest N days (UTC).");
        var keepWeekly = Count("--keep-weekly", "Keep the newest snapshot of each of the newest N ISO weeks (UTC).");
        var keepMonthly = Count("--keep-monthly", "Keep the newest snapshot of each of the newest N months (UTC).");
        var keepWithin = new Option<string?>("--keep-within")
        {
            Description = "Keep every snapshot created within this duration of the newest one: 7d, 12h, 30m (also w, s, combinations such as 1d12h, and d.hh:mm:ss).",
            HelpName = "DURATION",
        };
        keepWithin.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !RetentionDuration.TryParse(text, out _))
            {
                result.AddError($"--keep-within '{text}' is not a duration; use {RetentionDuration.Syntax}.");
            }
        });
        var keepTags = new Option<string[]>("--keep-tag")
        {
            Description = "Keep every snapshot carrying this tag (repeatable).",
            HelpName = "T",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be removed and why; change nothing." };
        var command = new Command("prune", "Applies a retention policy (rules combine as a union); without --keep options, the configured default (keep-last 5).")
        {
            system, keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepWithin, keepTags, dryRun,
        };
        return command.WithAction(context =>
        {
            var rules = new[] { keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly }.Select(o => context.Get(o)).ToArray();
            var tags = context.Get(keepTags) ?? [];
            RetentionPolicy? policy = null;
            if (rules.Any(r => r is not null) || context.Get(keepWithin) is not null || tags.Length > 0)
            {
                policy = new RetentionPolicy
                {
                    KeepLast = rules[0],
                    KeepHourly = rules[1],
                    KeepDaily = rules[2],
                    KeepWeekly = rules[3],
                    KeepMonthly = rules[4],
                    KeepWithin = RetentionDuration.TryParse(context.Get(keepWithin), out var within) ? within : null,
                    KeepTags = tags,
                };
            }

            return RunAsync(context, context.Get(system), policy, context.Get(dryRun));
        });
    }

    private static Option<int?> Count(string name, string description)
    {
        return new Option<int?>(name) { Description = description, HelpName = "N", CustomParser = NumberParsers.NullableInt(name, minimum: 1) };
    }

    private static async Task<int> RunAsync(CliContext context, string? systemName, RetentionPolicy? policy, bool dryRun)
    {
        var system = systemName is null ? null : CommonArguments.ValidSystem(systemName);
        policy?.Validate();
        var vault = context.Vault;
        var policySource = policy is null ? "default" : "options";
        var policyText = PolicyText.Describe(policy ?? vault.Options.Retention);
        if (policy is null)
        {
            context.Console.WriteNote($"no --keep option given: using the configured default policy ({policyText}).");
        }

        if (system is not null)
        {
            await CommonArguments.RequireSystemAsync(context, system).ConfigureAwait(false);
        }

        var result = await vault.PruneAsync(system, policy, dryRun, context.CancellationToken).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(new PruneJson(
                dryRun,
                policyText,
                policySource,
                result.RemovedCount,
                result.Plans.Select(p => new SystemPlanJson(p.System, p.Kept.Select(DecisionJson.From).ToList(), p.Removed.Select(DecisionJson.From).ToList())).ToList(),
                result.Quarantined.Select(q => new QuarantinedJson(q.System, q.Sequence, q.Error ?? string.Empty)).ToList(),
                result.ChunksDeleted,
                result.ChunkBytesFreed));
            return ExitCodes.Ok;
        }

        var table = Display.Table("System", "Seq", "Created (UTC)", "Decision", "Why");
        foreach (var plan in result.Plans)
        {
            foreach (var decision in plan.Decisions)
            {
                var verdict = decision.Keep ? "keep" : dryRun ? "would remove" : "removed";
                table.Row(plan.System, Display.Number(decision.Sequence), Display.Time(decision.CreatedUtc), verdict, string.Join("; ", decision.Reasons));
            }
        }

        if (result.Plans.Count > 0)
        {
            context.Console.Out.Write(table);
        }

        foreach (var q in result.Quarantined)
        {
            context.Console.Out.WriteLine($"Moved damaged snapshot {q.Sequence} of '{q.System}' to quarantine: {q.Error}");
        }

        context.Console.Out.WriteLine(dryRun
            ? $"Dry run ({policyText}): would remove {result.RemovedCount} snapshot(s) in {result.Plans.Count} system(s); nothing was changed."
            : $"Pruned ({policyText}): removed {result.RemovedCount} snapshot(s) in {result.Plans.Count} system(s).");
        if (result.ChunksDeleted > 0)
        {
            context.Console.Out.WriteLine(dryRun
                ? $"Would collect {result.ChunksDeleted} unreferenced chunk(s) ({Display.Bytes(result.ChunkBytesFreed)})."
                : $"Collected {result.ChunksDeleted} unreferenced chunk(s) ({Display.Bytes(result.ChunkBytesFreed)}).");
        }

        return ExitCodes.Ok;
    }

    private sealed record PruneJson(
        bool DryRun,
        string Policy,
        string PolicySource,
        int RemovedCount,
        IReadOnlyList<SystemPlanJson> Systems,
        IReadOnlyList<QuarantinedJson> Quarantined,
        int ChunksDeleted,
        long ChunkBytesFreed);

    private sealed record SystemPlanJson(string System, IReadOnlyList<DecisionJson> Kept, IReadOnlyList<DecisionJson> Removed);

    private sealed record DecisionJson(long Sequence, DateTimeOffset? CreatedUtc, IReadOnlyList<string> Reasons)
    {
        public static DecisionJson From(RetentionDecision decision) => new(decision.Sequence, decision.CreatedUtc, decision.Reasons);
    }

    private sealed record QuarantinedJson(string System, long Sequence, string Error);
}
