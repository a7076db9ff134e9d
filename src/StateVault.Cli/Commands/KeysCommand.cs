using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using StateVault.Cli.Output;
using StateVault.Http;
using StateVault.Managers;
using StateVault.Managers.ApiKeys;
using StateVault.Storage;

namespace StateVault.Cli.Commands;

/// <summary>
/// <c>statevault keys create|list|revoke</c>: the server's API access keys (the <c>api_keys</c> system).
/// On a direct store (<c>file:</c>, <c>sqlite:</c>, <c>postgresql://</c>, <c>s3://</c>, <c>mirror:</c>) the verbs use the API key
/// manager on that store; on an <c>http://</c> store they call the running server's <c>/api/keys</c> routes with the admin key in
/// <c>STATEVAULT_API_KEY</c>, so that the server (which owns <c>api_keys</c> while it runs) and the CLI never overwrite each
/// other's snapshots.
/// </summary>
internal static class KeysCommand
{
    private const string StoreNote =
        "On a direct store (file:, sqlite:, postgresql://, s3://) the api_keys system is changed in the store itself: do that only while no server runs on it. "
        + "While a server runs, use --store http://HOST:PORT (admin key in STATEVAULT_API_KEY): the change goes through the server's /api/keys routes, "
        + "so the server and the CLI never overwrite each other's api_keys snapshots.";

    private const string ShortStoreNote = "On an http:// store this goes through the running server's /api/keys (admin key in STATEVAULT_API_KEY); see 'statevault keys --help'.";

    private static readonly string[] s_roles = ["reader", "writer", "admin"];

    public static Command Create()
    {
        var command = new Command("keys", "Server API access keys (roles reader, writer, admin; stored only as salted hashes). " + StoreNote)
        {
            CreateCreate(),
            CreateList(),
            CreateRevoke(),
        };
        return command;
    }

    private static Command CreateCreate()
    {
        var role = new Option<string>("--role")
        {
            Description = "The key's role: reader (GET), writer (save, restore, manager operations) or admin (delete, prune, keys).",
            Required = true,
            HelpName = "reader|writer|admin",
        };
        role.AcceptOnlyFromAmong(s_roles);
        var description = new Option<string?>("--description") { Description = "What the key is for (stored in plain text: no secrets).", HelpName = "TEXT" };
        var command = new Command("create", "Creates a key and prints it ALONE on stdout: it is shown once and stored only as a salted hash. " + ShortStoreNote)
        {
            role,
            description,
        };
        return command.WithAction(context => CreateAsync(context, role, description));
    }

    private static Command CreateList()
    {
        var command = new Command("list", "Every key's id, role, creation time, revocation and description (never a key or a hash). " + ShortStoreNote);
        return command.WithAction(ListAsync);
    }

    private static Command CreateRevoke()
    {
        var id = new Argument<string>("id") { Description = "The key's id (the 12 hex digits after svk_)." };
        var command = new Command("revoke", "Revokes a key (exit code 4 when no key has that id). " + ShortStoreNote) { id };
        return command.WithAction(context => RevokeAsync(context, id));
    }

    private static async Task<int> CreateAsync(CliContext context, Option<string> roleOption, Option<string?> descriptionOption)
    {
        var role = ParseRole(context.Get(roleOption));
        var description = context.Get(descriptionOption);
        await using var keys = await KeyAccess.OpenAsync(context).ConfigureAwait(false);
        var created = await keys.CreateAsync(role, string.IsNullOrWhiteSpace(description) ? null : description, context.CancellationToken).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(new CreatedJson(created.Key, KeyJson.From(created.Info)));
        }
        else
        {
            context.Console.OutWriter.WriteLine(created.Key);
            context.Console.OutWriter.Flush();
        }

        context.Console.WriteNote($"Created key {created.Info.Id} with role {RoleText(created.Info.Role)}. It is shown only now: store it safely.");
        return ExitCodes.Ok;
    }

    private static async Task<int> ListAsync(CliContext context)
    {
        await using var keys = await KeyAccess.OpenAsync(context).ConfigureAwait(false);
        var list = await keys.ListAsync(context.CancellationToken).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(new ListJson(list.Select(KeyJson.From).ToList()));
            return ExitCodes.Ok;
        }

        if (list.Count == 0)
        {
            context.Console.Out.WriteLine("No keys.");
            return ExitCodes.Ok;
        }

        var table = Display.Table("Id", "Role", "Created (UTC)", "Revoked", "Description");
        foreach (var key in list)
        {
            table.Row(key.Id, RoleText(key.Role), Display.Time(key.CreatedUtc), key.Revoked ? "yes" : "no", key.Description ?? string.Empty);
        }

        context.Console.Out.Write(table);
        return ExitCodes.Ok;
    }

    private static async Task<int> RevokeAsync(CliContext context, Argument<string> idArgument)
    {
        var id = context.Get(idArgument)?.Trim() ?? string.Empty;
        if (id.Length == 0)
        {
            throw CliException.InvalidInput("No key id given.");
        }

        await using var keys = await KeyAccess.OpenAsync(context).ConfigureAwait(false);
        var existing = (await keys.ListAsync(context.CancellationToken).ConfigureAwait(false)).FirstOrDefault(k => string.Equals(k.Id, id, StringComparison.Ordinal))
            ?? throw CliException.NotFound($"No key has the id '{id}'.");
        if (existing.Revoked)
        {
            context.Console.WriteNote($"Key {id} was already revoked.");
        }
        else if (!await keys.RevokeAsync(id, context.CancellationToken).ConfigureAwait(false))
        {
            // Revoked or removed by someone else between the list and the revocation.
            throw CliException.NotFound($"No active key has the id '{id}'.");
        }

        if (context.Json)
        {
            context.WriteJson(new RevokedJson(id, true));
        }
        else
        {
            context.Console.Out.WriteLine($"Revoked key {id}.");
        }

        return ExitCodes.Ok;
    }

    private static AccessRole ParseRole(string? role) => role switch
    {
        "reader" => AccessRole.Reader,
        "writer" => AccessRole.Writer,
        "admin" => AccessRole.Admin,
        _ => throw CliException.InvalidInput($"Unknown role '{role}': use reader, writer or admin."),
    };

    private static string RoleText(AccessRole role) => role.ToString().ToLowerInvariant();

    private sealed record KeyJson(string Id, AccessRole Role, DateTimeOffset CreatedUtc, bool Revoked, string? Description)
    {
        public static KeyJson From(AccessKeyInfo info) => new(info.Id, info.Role, info.CreatedUtc, info.Revoked, info.Description);
    }

    private sealed record ListJson(IReadOnlyList<KeyJson> Keys);

    private sealed record CreatedJson(string Key, KeyJson Info);

    private sealed record RevokedJson(string Id, bool Revoked);

    /// <summary>Where the keys live: the API key manager on a direct store, or a running server's <c>/api/keys</c>.</summary>
    private abstract class KeyAccess : IAsyncDisposable
    {
        public static async Task<KeyAccess> OpenAsync(CliContext context)
        {
            var uri = context.StoreUri;
            var scheme = SnapshotStoreFactory.GetScheme(uri);
            if (scheme is "http" or "https")
            {
                return ServerKeys.Open(uri);
            }

            return await DirectKeys.OpenAsync(uri, context.CancellationToken).ConfigureAwait(false);
        }

        public abstract Task<CreatedAccessKey> CreateAsync(AccessRole role, string? description, CancellationToken cancellationToken);

        public abstract Task<IReadOnlyList<AccessKeyInfo>> ListAsync(CancellationToken cancellationToken);

        public abstract Task<bool> RevokeAsync(string id, CancellationToken cancellationToken);

        public abstract ValueTask DisposeAsync();
    }

    /// <summary>The API key manager on the store, restored from its newest snapshot; every change is saved before it returns.</summary>
    private sealed class DirectKeys(ServiceProvider services, IAccessKeyRegistry registry) : KeyAccess
    {
        public static async Task<DirectKeys> OpenAsync(string uri, CancellationToken cancellationToken)
        {
            var collection = new ServiceCollection();
            foreach (var provider in StoreProviders.All)
            {
                collection.AddSingleton(provider);
            }

            collection.AddStateVault(options => options.Store = uri).AddStateVaultManager<ApiKeysManager>();
            // The same manager options as the server's (StateVault__Managers__… variables): on a shared store the fingerprint
            // secret must be configured, and is then the server's.
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
            collection.Configure<ManagerOptions>(configuration.GetSection(ManagerOptions.SectionName));
            var services = collection.BuildServiceProvider();
            try
            {
                var registry = await services.OpenAccessKeyRegistryAsync(cancellationToken).ConfigureAwait(false);
                return new DirectKeys(services, registry);
            }
            catch (OptionsValidationException ex)
            {
                await services.DisposeAsync().ConfigureAwait(false);
                throw CliException.InvalidInput(ex.Message);
            }
            catch
            {
                await services.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public override Task<CreatedAccessKey> CreateAsync(AccessRole role, string? description, CancellationToken cancellationToken) =>
            registry.CreateAccessKeyAsync(role, description, cancellationToken);

        public override Task<IReadOnlyList<AccessKeyInfo>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(registry.ListAccessKeys());

        public override Task<bool> RevokeAsync(string id, CancellationToken cancellationToken) => registry.RevokeAccessKeyAsync(id, cancellationToken);

        public override ValueTask DisposeAsync() => services.DisposeAsync();
    }

    /// <summary>A running server's <c>/api/keys</c> routes (admin key from <c>STATEVAULT_API_KEY</c>).</summary>
    private sealed class ServerKeys(HttpClient client, Uri server) : KeyAccess
    {
        private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
        {
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        };

        public static ServerKeys Open(string uri)
        {
            var server = HttpSnapshotStoreProvider.ParseBaseAddress(uri);
            var key = Environment.GetEnvironmentVariable(HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable);
            if (string.IsNullOrWhiteSpace(key))
            {
                throw CliException.InvalidInput($"Managing keys through a server needs an admin key in {HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable}.");
            }

            var client = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Trim());
            return new ServerKeys(client, server);
        }

        public override async Task<CreatedAccessKey> CreateAsync(AccessRole role, string? description, CancellationToken cancellationToken)
        {
            using var response = await SendAsync(
                () => client.PostAsJsonAsync("api/keys", new CreateRequest(role, description), s_json, cancellationToken)).ConfigureAwait(false);
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            return await response.Content.ReadFromJsonAsync<CreatedAccessKey>(s_json, cancellationToken).ConfigureAwait(false)
                ?? throw new CliException(ExitCodes.Failure, "The server answered without a key.");
        }

        public override async Task<IReadOnlyList<AccessKeyInfo>> ListAsync(CancellationToken cancellationToken)
        {
            using var response = await SendAsync(() => client.GetAsync("api/keys", cancellationToken)).ConfigureAwait(false);
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            return await response.Content.ReadFromJsonAsync<List<AccessKeyInfo>>(s_json, cancellationToken).ConfigureAwait(false) ?? [];
        }

        public override async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken)
        {
            using var response = await SendAsync(() => client.DeleteAsync("api/keys/" + Uri.EscapeDataString(id), cancellationToken)).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }

            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            return true;
        }

        public override ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }

        private async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
        {
            try
            {
                return await send().ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new CliException(ExitCodes.Failure, $"Cannot reach the server at {server}: {ex.Message}", ex);
            }
        }

        private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var detail = await ProblemDetailAsync(response, cancellationToken).ConfigureAwait(false);
            var message = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => $"The server refused the key in {HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable} (401).",
                HttpStatusCode.Forbidden => $"The key in {HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable} is not an admin key (403).",
                _ => $"The server answered {(int)response.StatusCode} {response.ReasonPhrase}.",
            };
            var exitCode = response.StatusCode switch
            {
                HttpStatusCode.BadRequest => ExitCodes.InvalidInput,
                HttpStatusCode.NotFound => ExitCodes.NotFound,
                _ => ExitCodes.Failure,
            };
            throw new CliException(exitCode, detail is null ? message : $"{message} {detail}");
        }

        private static async Task<string?> ProblemDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            try
            {
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
                    ? detail.GetString()
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private sealed record CreateRequest(AccessRole Role, string? Description);
    }
}
