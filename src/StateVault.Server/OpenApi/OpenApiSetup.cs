using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace StateVault.Server.OpenApi;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c> (Microsoft.AspNetCore.OpenApi): what the routes declare, plus
/// <see cref="DocumentTransformer"/> and <see cref="OperationTransformer"/>. <c>docs/openapi.json</c> is a copy that a test
/// keeps equal to the served one; the API client tests are generated from that copy.
/// </summary>
internal static class OpenApiSetup
{
    public static IServiceCollection AddStateVaultOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<DocumentTransformer>();
            options.AddOperationTransformer<OperationTransformer>();
            options.AddSchemaTransformer((schema, _, _) =>
            {
                // The server writes numbers as JSON numbers; the web defaults also read "12" for 12, which the generator shows
                // as "integer or string with a pattern" and clients then type as a string. Document the form the server writes.
                if (schema.Type is { } type && type.HasFlag(JsonSchemaType.String) && (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number)))
                {
                    schema.Type = type & ~JsonSchemaType.String;
                    schema.Pattern = null;
                }

                // Enums are written as camelCase strings (JsonStringEnumConverter); without "type": "string" a generated client
                // reads them as integers and throws on the first answer. A nullable use says so where it is used (oneOf null),
                // so the shared enum schema holds no null (else both branches of that oneOf accept null).
                if (schema.Enum is { Count: > 0 } values && values.All(v => v is null || v.GetValueKind() == System.Text.Json.JsonValueKind.String)
                    && (schema.Type is null || schema.Type.Value.HasFlag(JsonSchemaType.String)))
                {
                    schema.Enum = values.Where(v => v is not null).ToList();
                    schema.Type = JsonSchemaType.String;
                }

                return Task.CompletedTask;
            });
            // Request records nested in the route classes share names (two managers have a ThresholdRequest): prefix the route class.
            options.CreateSchemaReferenceId = type =>
                type.Type.DeclaringType is { Name: var owner } && owner.EndsWith("Routes", StringComparison.Ordinal) && !type.Type.IsEnum
                    ? owner[..^"Routes".Length] + type.Type.Name
                    : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        });
}
