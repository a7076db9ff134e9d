using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace StateVault.Server.Api;

/// <summary>
/// Turns the minimal API's parameter binding failures (<see cref="BadHttpRequestException"/>, thrown because
/// <c>RouteHandlerOptions.ThrowOnBadRequest</c> is on) into problems that name the parameter, where it was expected and the
/// form its value must have, e.g. "The query parameter 'keepLast' must be a whole number (e.g. 10)". Without this a bad value
/// was a bare "Bad Request". The value the client sent is not repeated (it may be long, or something it should not have sent).
/// </summary>
internal static partial class BindingProblems
{
    public static ProblemDetails? Describe(HttpContext context, BadHttpRequestException exception)
    {
        if (BindFailed().Match(exception.Message) is { Success: true } failed)
        {
            var name = failed.Groups["name"].Value;
            return Problem("Invalid parameter value", $"The {Where(context, name)} '{name}' must be {Form(context, name, failed.Groups["type"].Value)}.", name);
        }

        if (Missing().Match(exception.Message) is { Success: true } missing)
        {
            var name = missing.Groups["name"].Value;
            return missing.Groups["source"].Value == "body"
                ? Problem("Missing request body", "Send the request's JSON body (Content-Type: application/json).", null)
                : Problem("Missing parameter", $"The {Where(context, name)} '{name}' is required: {Form(context, name, missing.Groups["type"].Value)}.", name);
        }

        if (exception.InnerException is JsonException json)
        {
            return Problem(
                "Malformed JSON",
                $"The request body is not valid JSON for this operation (line {(json.LineNumber ?? 0) + 1}, byte {(json.BytePositionInLine ?? 0) + 1}). Nothing was written.",
                null);
        }

        if (ImplicitBody().IsMatch(exception.Message))
        {
            return Problem("Missing request body", "Send the request's JSON body (Content-Type: application/json).", null);
        }

        return null;
    }

    private static ProblemDetails Problem(string title, string detail, string? parameter)
    {
        var problem = new ProblemDetails { Status = StatusCodes.Status400BadRequest, Title = title, Detail = detail };
        if (parameter is not null)
        {
            problem.Extensions["parameter"] = parameter;
        }

        return problem;
    }

    private static string Where(HttpContext context, string name)
    {
        if (context.Request.RouteValues.ContainsKey(name))
        {
            return "route value";
        }

        return context.Request.Headers.ContainsKey(name) && !context.Request.Query.ContainsKey(name) ? "header" : "query parameter";
    }

    /// <summary>The form a value must have, from the handler's parameter type when the endpoint names it (enum values listed).</summary>
    private static string Form(HttpContext context, string name, string displayedType)
    {
        var parameter = context.GetEndpoint()?.Metadata.GetMetadata<MethodInfo>()?.GetParameters()
            .FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
        var type = parameter is null ? null : Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        if (type is { IsEnum: true })
        {
            return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => JsonNamingPolicy.CamelCase.ConvertName(n)));
        }

        var typeName = type?.Name ?? displayedType.TrimEnd('?');
        return typeName switch
        {
            "Int32" or "int" or "Int64" or "long" or "Int16" or "short" => "a whole number (e.g. 10)",
            "UInt32" or "uint" or "UInt64" or "ulong" or "Byte" or "byte" => "a whole number of 0 or more (e.g. 10)",
            "Double" or "double" or "Single" or "float" or "Decimal" or "decimal" => "a number (e.g. 2.5)",
            "Boolean" or "bool" => "true or false",
            "DateTimeOffset" or "DateTime" => "an ISO 8601 time (e.g. 2026-03-01T12:00:00Z)",
            "TimeSpan" => "a duration as [d.]hh:mm:ss (e.g. 00:05:00)",
            "Guid" => "a GUID",
            _ => $"a valid {typeName}",
        };
    }

    [GeneratedRegex("^Failed to bind parameter \"(?<type>[^\"]+) (?<name>[^\" ]+)\" from \"")]
    private static partial Regex BindFailed();

    [GeneratedRegex("^Required parameter \"(?<type>[^\"]+) (?<name>[^\" ]+)\" was not provided from (?<source>[a-z ]+)")]
    private static partial Regex Missing();

    [GeneratedRegex("^Implicit body inferred for parameter")]
    private static partial Regex ImplicitBody();
}
