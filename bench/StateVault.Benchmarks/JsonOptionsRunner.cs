using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using StateVault.Serialization;

using static StateVault.Benchmarks.BenchStats;

namespace StateVault.Benchmarks;

/// <summary>
/// `-- json`: what each of the vault's JSON settings costs over System.Text.Json's defaults (serialize and deserialize,
/// median ms), one setting added at a time, so the cost can be pinned on the setting that causes it.
/// </summary>
internal static class JsonOptionsRunner
{
    public static int Run()
    {
        var vaultOptions = new SnapshotVaultOptions().JsonOptions;
        var variants = new List<(string Name, JsonSerializerOptions Options)>
        {
            ("System.Text.Json defaults", new JsonSerializerOptions()),
            ("+ snake_case names", new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }),
            ("+ relaxed encoder", new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }),
            ("+ named float literals", new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }),
            ("+ enum converter", WithEnum(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals })),
            ("+ sensitive-member modifier (= vault)", vaultOptions),
            ("vault, through the vault's instance", StateVaultJson.WithSensitiveMembersRemoved(vaultOptions)),
            ("defaults + named float literals only", new JsonSerializerOptions { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }),
            ("defaults + relaxed encoder only", new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }),
        };

        Console.WriteLine("Interleaved: each round times every setting once. best = fastest round (least disturbed by other load), median of all rounds.");
        Console.WriteLine("| settings | state | serialize best / median ms | best × defaults | deserialize best / median ms | best × defaults | same bytes as vault |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---|");
        foreach (var size in new[] { 64 * 1024, 1024 * 1024, 16 * 1024 * 1024 })
        {
            var state = BenchState.OfSize(size);
            var vaultBytes = JsonSerializer.SerializeToUtf8Bytes(state, vaultOptions);
            var rounds = size >= 16 * 1024 * 1024 ? 7 : size >= 1024 * 1024 ? 25 : 101;
            var payloads = variants.Select(v => JsonSerializer.SerializeToUtf8Bytes(state, v.Options)).ToList();
            var ser = variants.Select(_ => new List<double>()).ToList();
            var de = variants.Select(_ => new List<double>()).ToList();
            for (var round = -2; round < rounds; round++)
            {
                for (var i = 0; i < variants.Count; i++)
                {
                    var v = (i + Math.Max(round, 0)) % variants.Count;
                    var started = Stopwatch.GetTimestamp();
                    JsonSerializer.SerializeToUtf8Bytes(state, variants[v].Options);
                    var serialized = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    started = Stopwatch.GetTimestamp();
                    JsonSerializer.Deserialize<BenchState>(payloads[v], variants[v].Options);
                    var deserialized = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (round >= 0)
                    {
                        ser[v].Add(serialized);
                        de[v].Add(deserialized);
                    }
                }
            }

            for (var v = 0; v < variants.Count; v++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {variants[v].Name} | {size / 1024} KiB | {ser[v].Min():F2} / {Median(ser[v]):F2} | {ser[v].Min() / ser[0].Min():F2} | {de[v].Min():F2} / {Median(de[v]):F2} | {de[v].Min() / de[0].Min():F2} | {payloads[v].AsSpan().SequenceEqual(vaultBytes)} |"));
            }
        }

        return 0;
    }

    private static JsonSerializerOptions WithEnum(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.TypeInfoResolver = new DefaultJsonTypeInfoResolver();
        return options;
    }

}
