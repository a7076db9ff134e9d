using Microsoft.AspNetCore.OpenApi;

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
            // Request records nested in the route classes share names (two managers have a ThresholdRequest): prefix the route class.
            options.CreateSchemaReferenceId = type =>
                type.Type.DeclaringType is { Name: var owner } && owner.EndsWith("Routes", StringComparison.Ordinal) && !type.Type.IsEnum
                    ? owner[..^"Routes".Length] + type.Type.Name
                    : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        });
}
