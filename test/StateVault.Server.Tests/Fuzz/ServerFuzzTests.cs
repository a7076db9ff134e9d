using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using StateVault.Codecs;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Fuzz;

/// <summary>
/// A bounded fuzz target: seeded random envelopes (valid, bit-flipped, truncated, hostile headers) and HTTP requests (bodies,
/// names, headers, query values) against a real in-process server. Asserts no 5xx, no error-level log, no file outside the
/// store root and bounded memory. <c>STATEVAULT_FUZZ_SEED</c>, <c>STATEVAULT_FUZZ_INPUTS</c> and <c>STATEVAULT_FUZZ_SECONDS</c>
/// override the seed, the count and the time bound (<c>scripts/fuzz.sh</c> runs a long one); a failure names the seed and
/// the input's index, so it reproduces.
/// </summary>
public sealed class ServerFuzzTests
{
    private const int DefaultInputs = 3_000;
    private const int DefaultSeconds = 60;
    private const int DefaultSeed = 20_261_130;
    private const long MaxStateBytes = 4L * 1024 * 1024;
    private const int MaxRequestBodyBytes = 1024 * 1024;

    // Above this, a body the server answers without reading (a bad name, too large) is not drained: the connection closes.
    private const int EarlyAnswerBodyBytes = 64 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    [Fact]
    public async Task HostileEnvelopesAndRequests_NeverA5xxAnErrorLogAWriteOutsideTheRootOrUnboundedMemory()
    {
        var seed = Setting("STATEVAULT_FUZZ_SEED", DefaultSeed);
        var inputs = Setting("STATEVAULT_FUZZ_INPUTS", DefaultInputs);
        var seconds = Setting("STATEVAULT_FUZZ_SECONDS", DefaultSeconds);
        var sandbox = Path.Combine(Path.GetTempPath(), "sv-fuzz-" + Guid.NewGuid().ToString("N"));
        var root = Path.Combine(sandbox, "store");
        Directory.CreateDirectory(root);
        try
        {
            await using var sut = await ServerHost.StartAsync(
                storeRoot: root,
                settings: new Dictionary<string, string>
                {
                    ["StateVault:Server:MaxStateBytes"] = MaxStateBytes.ToString(CultureInfo.InvariantCulture),
                    ["StateVault:Server:MaxRequestBodyBytes"] = MaxRequestBodyBytes.ToString(CultureInfo.InvariantCulture),
                    ["StateVault:Server:MaxEnvelopeBytes"] = (2 * 1024 * 1024).ToString(CultureInfo.InvariantCulture),
                },
                cancellationToken: Ct);
            var generator = new FuzzInputs(new Random(seed), sut);
            using var client = new HttpClient { BaseAddress = sut.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

            GC.Collect();
            GC.WaitForPendingFinalizers();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var clock = Stopwatch.StartNew();
            var failures = new List<string>();
            var statuses = new SortedDictionary<int, int>();
            var tried = 0;
            for (; tried < inputs && clock.Elapsed < TimeSpan.FromSeconds(seconds); tried++)
            {
                var input = generator.Next();
                int status;
                try
                {
                    using var response = await SendAsync(client, input);
                    status = (int)response.StatusCode;
                    if (!input.Streams)
                    {
                        await response.Content.ReadAsByteArrayAsync(Ct);
                    }
                }
                catch (HttpRequestException) when (input.Body?.Length > EarlyAnswerBodyBytes)
                {
                    // The server answered (413, or 400 for a bad name) without reading a large body and closed the connection
                    // while the client was still sending it: a refusal, not a failure.
                    statuses[0] = statuses.GetValueOrDefault(0) + 1;
                    continue;
                }
                catch (HttpRequestException ex)
                {
                    failures.Add($"#{tried} {input.Describe()}: connection failed ({ex.Message})");
                    continue;
                }

                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                if (status >= 500)
                {
                    failures.Add($"#{tried} {input.Describe()}: {status}");
                }
            }

            var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            var errors = sut.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal))
                .Select(l => l.Length > 600 ? l[..600] : l).Distinct().Take(10).ToList();
            var output = TestContext.Current.TestOutputHelper;
            output?.WriteLine($"fuzz: seed {seed}, {tried} inputs tried in {clock.Elapsed.TotalSeconds:F1} s, {failures.Count} 5xx or failed, "
                + $"statuses {string.Join(", ", statuses.Select(s => $"{(s.Key == 0 ? "closed before the body was sent" : s.Key)}×{s.Value}"))}, managed heap {heapBefore / 1048576} → {heapAfter / 1048576} MiB, "
                + $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB");

            Assert.True(
                failures.Count == 0 && errors.Count == 0,
                $"seed {seed}: {failures.Count} failures:\n" + string.Join("\n", failures.Take(20)) + "\nerror-level log lines:\n" + string.Join("\n", errors));
            Assert.True(tried >= Math.Min(inputs, 500), $"only {tried} inputs in {seconds} s");

            // Nothing beside the store root but the first admin key's file; inside it, only <system>/<file> or
            // <system>/.quarantine/<file> with valid names.
            Assert.Equal([root, ServerHost.FirstAdminKeyFileOf(root)], Directory.GetFileSystemEntries(sandbox).Order(StringComparer.Ordinal));
            foreach (var file in Directory.GetFiles(root, "*", SearchOption.AllDirectories))
            {
                var parts = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
                Assert.True(SystemName.IsValid(parts[0]) && parts.Length is 2 or 3 && (parts.Length == 2 || parts[1] == ".quarantine"), $"unexpected file {file}");
            }

            // Bounded memory: what the run keeps after a full collection, not how fast it went.
            Assert.True(heapAfter - heapBefore < 256L * 1024 * 1024, $"managed heap grew from {heapBefore} to {heapAfter} bytes");
        }
        finally
        {
            if (Directory.Exists(sandbox))
            {
                Directory.Delete(sandbox, recursive: true);
            }
        }
    }

    /// <summary>
    /// Sends one input. A connection the server closed after refusing an oversized body early can still sit in the client's
    /// pool: one retry on a fresh connection tells that apart from a server that stopped answering.
    /// </summary>
    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, FuzzInput input)
    {
        try
        {
            using var request = input.ToRequest();
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        }
        catch (HttpRequestException) when (input.Body is null || input.Body.Length <= EarlyAnswerBodyBytes)
        {
            using var retry = input.ToRequest();
            retry.Headers.ConnectionClose = true;
            return await client.SendAsync(retry, HttpCompletionOption.ResponseHeadersRead, Ct);
        }
    }

    /// <summary>One generated request.</summary>
    private sealed record FuzzInput(string Method, string Target, byte[]? Body, string? ContentType, IReadOnlyList<(string Name, string Value)> Headers, string Kind)
    {
        /// <summary>Server-sent events: the answer is read only up to its headers.</summary>
        public bool Streams => Target.StartsWith("api/events", StringComparison.Ordinal);

        public HttpRequestMessage ToRequest()
        {
            var request = new HttpRequestMessage(new HttpMethod(Method), new Uri(Target, UriKind.Relative));
            if (Body is not null)
            {
                request.Content = new ByteArrayContent(Body);
                if (ContentType is not null)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
                }
            }

            // The server may answer an oversized body before reading it and close the connection: never reuse that one.
            request.Headers.ConnectionClose = Body?.Length > EarlyAnswerBodyBytes ? true : null;
            foreach (var (name, value) in Headers)
            {
                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, value);
                }
            }

            return request;
        }

        public string Describe() => $"{Kind}: {Method} {(Target.Length > 160 ? Target[..160] + "…" : Target)} ({Body?.Length ?? 0} body bytes)";
    }

    /// <summary>The generators; every choice comes from the seeded <see cref="Random"/>.</summary>
    private sealed class FuzzInputs(Random random, ServerHost server)
    {
        private static readonly string[] s_secrets = [Envelopes.OpenAiKey, Envelopes.AwsKey, Envelopes.GitHubToken, "Bearer%20" + Envelopes.OpenAiKey];

        private static readonly string[] s_systemNames =
        [
            "fuzz_a", "fuzz-b", "fuzz.c", "0", "a", new string('a', 64), new string('a', 65), "..", ".", "...", "a..b", "../x", "..%2F..%2Fetc",
            "%2e%2e", "%2e%2e%2fetc", "con", "nul", "aux", "com1", "lpt1", "trailing.", "UPPER", "space%20d", "%00", "a%00b", "_other", "-x", ".hidden",
            "%C3%A9t%C3%A9", "%E2%80%AE", "a%2Fb", "a%5Cb", "gaming_alerts", "api_keys", "health_thresholds", Envelopes.OpenAiKey, "%FF%FE",
        ];

        private static readonly string[] s_sequences =
        [
            "1", "2", "3", "0", "-1", "9223372036854775807", "9223372036854775806", "-9223372036854775808", "9223372036854775808", "99999999999999999999",
            "1e3", "abc", "%00", "01", "+1", " 1", "0x10",
        ];

        private static readonly string[] s_numbers =
        [
            "0", "-0", "1", "-1", "1e300", "-1e300", "1e400", "NaN", "Infinity", "-Infinity", "1e-400", "123456789012345678901234567890", "0.5", "abc", "",
            "%00", "9223372036854775807", "2147483648", "1.7976931348623157E+308",
        ];

        private static readonly string[] s_accepts =
        [
            "application/json", "*/*", "text/event-stream", "text/html", "application/xml", "text/plain", "image/png", "application/problem+json", "",
            "garbage;;;", "text/*;q=0.1, */*;q=0",
        ];

        private static readonly string[] s_contentTypes =
        [
            "application/json", "application/octet-stream", "text/plain", "application/json; charset=utf-16", "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded", "garbage", "application/json; charset=latin1",
        ];

        private static readonly string[] s_managers =
        [
            "core_management", "health_thresholds", "swarm_integration", "gaming_alerts", "dependencies", "ai_ml_workflows", "ai_ml_core", "api_keys", "nobody", "..",
        ];

        private int _appendSequence;

        public FuzzInput Next() => random.Next(10) switch
        {
            < 4 => EnvelopeInput(),
            < 6 => StateInput(),
            < 9 => RouteInput(),
            _ => HeaderInput(),
        };

        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        private bool Chance(int percent) => random.Next(100) < percent;

        private string Key() => random.Next(8) switch
        {
            0 => server.ReaderKey,
            1 => server.AdminKey,
            2 => "svk_000000000000_" + RandomAscii(20),
            3 => RandomAscii(random.Next(0, 300)),
            _ => server.WriterKey,
        };

        private List<(string Name, string Value)> CommonHeaders(bool withKey = true)
        {
            var headers = new List<(string, string)>();
            if (withKey && !Chance(5))
            {
                headers.Add(("Authorization", Chance(95) ? "Bearer " + Key() : Pick(["Basic YWJjOmRlZg==", "Bearer", "Bearer  ", "bearer " + server.ReaderKey, RandomAscii(50)])));
            }

            if (Chance(60))
            {
                headers.Add(("Accept", Pick(s_accepts)));
            }

            return headers;
        }

        private string RandomAscii(int length)
        {
            var chars = new char[length];
            for (var i = 0; i < length; i++)
            {
                chars[i] = (char)random.Next(0x21, 0x7F);
            }

            return new string(chars).Replace("\"", "'", StringComparison.Ordinal).Replace("\\", "/", StringComparison.Ordinal);
        }

        private string JsonString() => random.Next(12) switch
        {
            0 => Pick(s_secrets),
            1 => "\\ud800",
            2 => "\\udc00x",
            3 => "\\u0000",
            4 => new string('x', random.Next(1000, 100_000)),
            5 => "é☃😀",
            6 => "\\\"\\n\\t",
            7 => "../../etc/passwd",
            _ => RandomAscii(random.Next(0, 24)),
        };

        private string JsonNumber() => Pick(["0", "-0", "1", "-1", "1e300", "-1e300", "1e400", "1e-400", "123456789012345678901234567890", "0.5", "-2147483649", "9223372036854775808"]);

        private string JsonValue(int depth)
        {
            if (depth > 4)
            {
                return Chance(50) ? $"\"{JsonString()}\"" : JsonNumber();
            }

            switch (random.Next(8))
            {
                case 0:
                    return "{" + string.Join(",", Enumerable.Range(0, random.Next(0, 5)).Select(_ => $"\"{JsonString()}\":{JsonValue(depth + 1)}")) + "}";
                case 1:
                    return "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 5)).Select(_ => JsonValue(depth + 1))) + "]";
                case 2:
                    return JsonNumber();
                case 3:
                    return Pick(["true", "false", "null"]);
                default:
                    return $"\"{JsonString()}\"";
            }
        }

        /// <summary>A JSON-ish body: usually an object, sometimes deep, broken, huge or not UTF-8.</summary>
        private byte[] JsonBody(string? shape = null)
        {
            switch (random.Next(14))
            {
                case 0:
                    var depth = random.Next(60, 20_000);
                    return Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', Chance(80) ? depth : depth / 2));
                case 1:
                    return [.. Encoding.UTF8.GetBytes("{\"a\":\""), 0xC3, 0x28, 0xFF, 0xFE, .. Encoding.UTF8.GetBytes("\"}")];
                case 2:
                    var bytes = new byte[random.Next(0, 2000)];
                    random.NextBytes(bytes);
                    return bytes;
                case 3:
                    return [];
                case 4:
                    var text = JsonValue(0);
                    return Encoding.UTF8.GetBytes(text[..random.Next(0, text.Length + 1)]);
                case 5:
                    return Encoding.UTF8.GetBytes("{\"big\":\"" + new string('y', random.Next(100_000, 1_200_000)) + "\"}");
                case < 10 when shape is not null:
                    return Encoding.UTF8.GetBytes(FillShape(shape));
                default:
                    return Encoding.UTF8.GetBytes(Chance(70) ? "{" + string.Join(",", Enumerable.Range(0, random.Next(0, 6)).Select(_ => $"\"{JsonString()}\":{JsonValue(1)}")) + "}" : JsonValue(0));
            }
        }

        private string FillShape(string shape)
        {
            var builder = new StringBuilder(shape);
            while (builder.ToString().Contains("{s}", StringComparison.Ordinal) || builder.ToString().Contains("{n}", StringComparison.Ordinal))
            {
                var text = builder.ToString();
                var s = text.IndexOf("{s}", StringComparison.Ordinal);
                var n = text.IndexOf("{n}", StringComparison.Ordinal);
                if (s >= 0 && (n < 0 || s < n))
                {
                    builder.Remove(s, 3).Insert(s, Chance(70) ? $"\"{JsonString()}\"" : JsonValue(2));
                }
                else
                {
                    builder.Remove(n, 3).Insert(n, Chance(80) ? JsonNumber() : JsonValue(2));
                }
            }

            return builder.ToString();
        }

        private FuzzInput EnvelopeInput()
        {
            var system = Chance(85) ? Pick(["fuzz_env", "fuzz_env2", "fuzz-a"]) : Pick(s_systemNames);
            var routeSequence = Chance(70) ? (++_appendSequence).ToString(CultureInfo.InvariantCulture) : Pick(s_sequences);
            var headerSequence = long.TryParse(routeSequence, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && Chance(85)
                ? parsed
                : Pick([0L, -1L, long.MaxValue, long.MinValue, SnapshotSequence.MaxValue, 1L, random.NextInt64()]);
            var codec = Chance(90) ? Pick(SnapshotCodecs.All) : Pick(["lz4", "", "GZIP", "../identity", new string('z', 300)]);
            var json = Chance(15) ? JsonBody() : Encoding.UTF8.GetBytes(JsonValue(0));
            long? rawLength = random.Next(10) switch
            {
                0 => Pick([2147483591L, int.MaxValue, long.MaxValue, MaxStateBytes + 1, MaxStateBytes, MaxStateBytes - 1, 0L, -1L, json.Length + 1L, json.Length * 1000L]),
                _ => null,
            };
            var tags = Chance(15) ? new[] { Pick(s_secrets), RandomAscii(10) } : Chance(10) ? Enumerable.Range(0, random.Next(1, 2000)).Select(i => "t" + i).ToArray() : [];
            var attributes = Chance(15) ? new Dictionary<string, string> { [Chance(50) ? Pick(s_secrets) : "origin"] = Chance(50) ? Pick(s_secrets) : "x" } : null;
            var headerSystem = Chance(90) ? Uri.UnescapeDataString(system) : Pick(s_systemNames);
            byte[] envelope;
            try
            {
                envelope = Envelopes.Create(headerSystem, headerSequence, json, codec, tags, attributes, rawLength, producer: Chance(5) ? Pick(s_secrets) : "fuzz");
            }
            catch (ArgumentException)
            {
                envelope = json;
            }

            var kind = "envelope";
            switch (random.Next(10))
            {
                case 0:
                    kind = "envelope, bits flipped";
                    for (var i = random.Next(1, 8); i > 0; i--)
                    {
                        var at = random.Next(envelope.Length);
                        envelope[at] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 1:
                    kind = "envelope, truncated";
                    envelope = envelope[..random.Next(envelope.Length)];
                    break;
                case 2:
                    kind = "envelope, hand-made header";
                    envelope = HandMadeEnvelope(system, json);
                    break;
            }

            var headers = CommonHeaders();
            return new FuzzInput(
                Chance(95) ? "PUT" : Pick(["POST", "PATCH"]),
                $"api/systems/{system}/envelopes/{routeSequence}{(Chance(60) ? "?append=true" : Chance(10) ? "?append=" + Pick(s_numbers) : "")}",
                envelope,
                Chance(80) ? null : Pick(s_contentTypes),
                headers,
                kind);
        }

        /// <summary>A header written by hand: wrong types, huge numbers, missing fields; the checksums still hold.</summary>
        private byte[] HandMadeEnvelope(string system, byte[] payload)
        {
            string Field() => random.Next(6) switch
            {
                0 => JsonNumber(),
                1 => "null",
                2 => "\"" + JsonString() + "\"",
                3 => "[]",
                _ => "-1",
            };

            var header = "{"
                + $"\"system\":{(Chance(80) ? "\"" + Uri.UnescapeDataString(system) + "\"" : Field())},"
                + $"\"sequence\":{(Chance(50) ? "1" : Field())},"
                + "\"created_utc\":\"2026-01-01T00:00:00+00:00\",\"schema_version\":" + (Chance(70) ? "1" : Field()) + ","
                + "\"state_type\":\"t\",\"codec\":" + (Chance(70) ? "\"identity\"" : Field()) + ","
                + $"\"stored_length\":{(Chance(60) ? payload.Length.ToString(CultureInfo.InvariantCulture) : Field())},"
                + $"\"raw_length\":{(Chance(60) ? payload.Length.ToString(CultureInfo.InvariantCulture) : Field())},"
                + $"\"sha256\":\"{SnapshotEnvelopeSha(payload)}\""
                + (Chance(30) ? ",\"tags\":" + Field() : "")
                + (Chance(30) ? ",\"attributes\":" + Field() : "")
                + "}";
            var headerBytes = Encoding.UTF8.GetBytes(header);
            var magic = Encoding.ASCII.GetBytes("SVSNAP/1 " + Convert.ToHexStringLower(SHA256.HashData(headerBytes)) + "\n");
            return [.. magic, .. headerBytes, (byte)'\n', .. payload];
        }

        private static string SnapshotEnvelopeSha(byte[] payload) => Convert.ToHexStringLower(SHA256.HashData(payload));

        private FuzzInput StateInput()
        {
            var system = Chance(70) ? Pick(["fuzz_state", "fuzz_state2"]) : Pick(s_systemNames);
            var headers = CommonHeaders();
            if (Chance(20))
            {
                headers.Add(("If-Match", Pick(["\"1\"", "*", "W/\"2\"", "\"-1\"", "\"9223372036854775807\"", "\"abc\"", "\"1\", \"2\"", RandomAscii(20)])));
            }

            return new FuzzInput("POST", $"api/systems/{system}/snapshots", JsonBody(), Chance(85) ? "application/json" : Pick(s_contentTypes), headers, "state");
        }

        private FuzzInput RouteInput()
        {
            var s = Pick(s_systemNames);
            var n = Pick(s_sequences);
            var d = Uri.EscapeDataString(Pick(s_numbers));
            var secret = Pick(s_secrets);
            (string Method, string Target, string? Shape) route = random.Next(40) switch
            {
                0 => ("GET", "api/systems", null),
                1 => ("GET", $"api/systems/{s}/snapshots", null),
                2 => ("GET", $"api/systems/{s}/snapshots/latest", null),
                3 => ("GET", $"api/systems/{s}/snapshots/{n}", null),
                4 => ("POST", $"api/systems/{s}/snapshots/{n}/restore", null),
                5 => ("DELETE", $"api/systems/{s}/snapshots/{n}", null),
                6 => ("GET", $"api/systems/{s}/diff?from={n}&to={Pick(s_sequences)}", null),
                7 => ("POST", $"api/verify{(Chance(50) ? "?system=" + s : "")}", null),
                8 => ("POST", $"api/prune?system={s}&keepLast={d}&keepWithin={Uri.EscapeDataString(Pick(["7.00:00:00", "7d", "-1", "99999999.00:00:00", "abc"]))}&dryRun={Pick(["true", "false", "maybe"])}", null),
                9 => ("GET", $"api/managers/{Pick(s_managers)}", null),
                10 => ("GET", $"api/managers/{Pick(s_managers)}/state?system={s}", null),
                11 => ("POST", $"api/managers/{Pick(s_managers)}/save", null),
                12 => ("POST", "api/keys", """{"role":{s},"description":{s}}"""),
                13 => ("DELETE", $"api/keys/{RandomAscii(12)}", null),
                14 => ("GET", "api/whoami", null),
                15 => ("GET", "api/envelopes", null),
                16 => ("GET", $"api/systems/{s}/envelopes", null),
                17 => ("GET", $"api/systems/{s}/envelopes/{n}", null),
                18 => ("DELETE", $"api/systems/{s}/envelopes/{n}", null),
                19 => ("POST", $"api/systems/{s}/envelopes/{n}/quarantine", """{"reason":{s}}"""),
                20 => ("GET", $"api/managers/gaming_alerts/alerts/stale?staleAfterSeconds={d}", null),
                21 => ("GET", $"api/managers/gaming_alerts/alerts?gameSystem={Uri.EscapeDataString(RandomAscii(8))}&severity={d}", null),
                22 => ("POST", "api/managers/gaming_alerts/samples", """{"gameSystem":{s},"metrics":{"fps":{n},"latency":{n}}}"""),
                23 => ("PUT", $"api/managers/gaming_alerts/thresholds/{Uri.EscapeDataString(RandomAscii(6))}", """{"comparison":{s},"medium":{n},"high":{n},"critical":{n},"unit":{s}}"""),
                24 => ("POST", $"api/managers/gaming_alerts/alerts/{Uri.EscapeDataString(RandomAscii(8))}/acknowledge", """{"by":{s}}"""),
                25 => ("POST", "api/managers/swarm_integration/agents", """{"name":{s},"capabilities":[{s}]}"""),
                26 => ("POST", "api/managers/swarm_integration/tasks", """{"description":{s},"agentIds":[{s}],"capability":{s}}"""),
                27 => ("POST", "api/managers/swarm_integration/messages", """{"from":{s},"to":{s},"type":{s},"content":{s}}"""),
                28 => ("PUT", $"api/managers/health_thresholds/thresholds/{Uri.EscapeDataString(RandomAscii(6))}", """{"warning":{n},"critical":{n},"direction":{s},"unit":{s}}"""),
                29 => ("POST", "api/managers/health_thresholds/evaluate", """{"metric":{s},"value":{n}}"""),
                30 => ("POST", "api/managers/health_thresholds/samples", """{"metric":{s},"value":{n}}"""),
                31 => ("POST", "api/managers/ai_ml_workflows/workflows", """{"name":{s},"steps":[{"name":{s},"action":"verify_store"}],"description":{s}}"""),
                32 => ("POST", "api/managers/ai_ml_core/models", """{"name":{s},"provider":{s},"modelId":{s},"capabilities":[{s}],"parameters":{"t":{n}}}"""),
                33 => ("POST", "api/managers/core_management/components", """{"name":{s},"type":{s},"status":{s}}"""),
                34 => ("PUT", $"api/managers/core_management/config/{Uri.EscapeDataString(Chance(50) ? secret : RandomAscii(8))}", """{"value":{s}}"""),
                35 => ("POST", "api/managers/dependencies", """{"name":{s},"kind":"assembly","target":{s},"critical":true}"""),
                36 => ("GET", Pick(["health", "metrics", "openapi/v1.json", "", "index.html", "app.js", "lib/chart.umd.min.js"]), null),
                37 => ("GET", $"{Pick(["", "api/", "api/systems/"])}{Uri.EscapeDataString(RandomAscii(random.Next(1, 40)))}?{secret}={secret}", null),
                38 => ("GET", $"api/events?x={d}", null),
                _ => (Pick(["OPTIONS", "HEAD", "TRACE", "PATCH", "PUT"]), $"api/systems/{s}/snapshots", null),
            };

            var body = route.Shape is not null || route.Method is "POST" or "PUT" ? JsonBody(route.Shape) : null;
            return new FuzzInput(route.Method, route.Target, body, body is null ? null : Chance(90) ? "application/json" : Pick(s_contentTypes), CommonHeaders(), "route");
        }

        private FuzzInput HeaderInput()
        {
            var headers = CommonHeaders(withKey: false);
            headers.Add(("Authorization", random.Next(5) switch
            {
                0 => "Bearer " + new string('A', random.Next(200, 8000)),
                1 => "Bearer svk_" + RandomAscii(12) + "_" + RandomAscii(40),
                2 => "Bearer " + server.WriterKey + RandomAscii(3),
                3 => "Bearer " + Pick(s_secrets),
                _ => RandomAscii(random.Next(0, 100)),
            }));
            if (Chance(50))
            {
                headers.Add(("X-Forwarded-For", Pick(["203.0.113.9", "not-an-ip", "::1, 10.0.0.1", new string('1', 500)])));
            }

            if (Chance(30))
            {
                headers.Add(("Range", Pick(["bytes=0-1", "bytes=-1", "bytes=9999999999-", "garbage"])));
            }

            return new FuzzInput(Pick(["GET", "POST", "DELETE"]), Pick(["api/systems", "api/keys", "metrics", "api/whoami", "api/systems/fuzz_state/snapshots/latest"]), null, null, headers, "headers");
        }
    }
}
