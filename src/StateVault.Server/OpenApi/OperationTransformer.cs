using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace StateVault.Server.OpenApi;

/// <summary>
/// Per operation: the operationId, the role a key needs (in the description and as <c>x-required-role</c>), and the body of a
/// route that reads it itself (<see cref="RawRequestBody"/>).
/// </summary>
internal sealed class OperationTransformer : IOpenApiOperationTransformer
{
    /// <summary>The extension naming the lowest key role an operation needs (<c>reader</c>, <c>writer</c>, <c>admin</c>).</summary>
    public const string RequiredRoleExtension = "x-required-role";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        operation.OperationId ??= OperationIds.For(description.HttpMethod ?? "get", description.RelativePath ?? string.Empty);

        var metadata = description.ActionDescriptor.EndpointMetadata;
        if (ProblemResponses.RequiredRole(metadata) is { } role)
        {
            var name = role.ToString().ToLowerInvariant();
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions[RequiredRoleExtension] = new JsonNodeExtension(JsonValue.Create(name));
            var sentence = $"Required role: {name} (a key of this role or a higher one; reader < writer < admin).";
            operation.Description = string.IsNullOrEmpty(operation.Description) ? sentence : operation.Description + "\n\n" + sentence;
        }

        if (metadata.OfType<SequenceHeaders>().FirstOrDefault() is { } headers)
        {
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (status.StartsWith('2') && response is OpenApiResponse success)
                {
                    success.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    success.Headers["ETag"] = new OpenApiHeader
                    {
                        Description = "The snapshot's sequence as an entity tag, e.g. \"12\".",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    };
                }
            }

            if (headers.IfMatch)
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "If-Match",
                    In = ParameterLocation.Header,
                    Required = false,
                    Description = "Save only when this sequence (an entity tag, e.g. \"12\") is the latest; else 412 with latestSequence. \"*\" or absent: no condition.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
        }

        if (metadata.OfType<RawRequestBody>().FirstOrDefault() is { } body && operation.RequestBody is null)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [body.MediaType] = new()
                    {
                        Schema = body.Binary
                            ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" }
                            : new OpenApiSchema { Description = "Any JSON document." },
                    },
                },
            };
        }

        return Task.CompletedTask;
    }
}
