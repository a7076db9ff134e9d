using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using StateVault.Managers.ApiKeys;
using StateVault.Server.Access;

namespace StateVault.Server.OpenApi;

/// <summary>
/// Declares the Problem Details answers every API route can give, from what the route itself declares (its role, its
/// parameters, its body), so that the OpenAPI document lists them with <c>application/problem+json</c> and the
/// <c>ProblemDetails</c> schema. Route-specific answers (409, 412, 422, …) are declared on the route with
/// <c>.ProducesProblem(…)</c> or come from its typed results.
/// </summary>
internal static class ProblemResponses
{
    private const string ProblemMediaType = "application/problem+json";

    /// <summary>Adds the problem answers to every endpoint of <paramref name="builder"/>, after the routes' own conventions.</summary>
    public static TBuilder WithProblemResponses<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(Declare);
        return builder;
    }

    /// <summary>The lowest role a key needs for an endpoint (the strictest of its policies), or null when it is anonymous.</summary>
    public static AccessRole? RequiredRole(IEnumerable<object> metadata)
    {
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return null;
        }

        AccessRole? role = null;
        foreach (var policy in metadata.OfType<IAuthorizeData>().Select(a => a.Policy))
        {
            AccessRole? named = policy switch
            {
                AccessPolicies.Reader => AccessRole.Reader,
                AccessPolicies.Writer => AccessRole.Writer,
                AccessPolicies.Admin => AccessRole.Admin,
                _ => null,
            };
            if (named is { } r && (role is null || r > role))
            {
                role = r;
            }
        }

        return role;
    }

    private static void Declare(EndpointBuilder endpoint)
    {
        var metadata = endpoint.Metadata;
        var declared = metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
        void Add(int status)
        {
            if (declared.Add(status))
            {
                metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), [ProblemMediaType]));
            }
        }

        var routeParameters = (endpoint as RouteEndpointBuilder)?.RoutePattern.Parameters.Count ?? 0;
        var hasBody = metadata.OfType<IAcceptsMetadata>().Any() || metadata.OfType<RawRequestBody>().Any();
        var hasQueryOrRoute = routeParameters > 0 || metadata.OfType<MethodInfo>().FirstOrDefault()?.GetParameters().Any(p => IsSimple(p.ParameterType)) == true;
        if (hasQueryOrRoute || hasBody)
        {
            Add(StatusCodes.Status400BadRequest); // a value that is not of its type, an invalid system name, malformed JSON
        }

        if (RequiredRole(metadata) is { } role)
        {
            Add(StatusCodes.Status401Unauthorized);
            if (role > AccessRole.Reader)
            {
                Add(StatusCodes.Status403Forbidden);
            }

            Add(StatusCodes.Status429TooManyRequests); // too many failed authentications from this client
        }

        if (routeParameters > 0)
        {
            Add(StatusCodes.Status404NotFound);
        }

        if (hasBody)
        {
            Add(StatusCodes.Status413PayloadTooLarge);
            Add(StatusCodes.Status415UnsupportedMediaType);
        }

        Add(StatusCodes.Status500InternalServerError);
        Add(StatusCodes.Status503ServiceUnavailable); // the store is unreachable: nothing was acknowledged, retry after Retry-After
    }

    private static bool IsSimple(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid) || type == typeof(DateTimeOffset);
    }
}
