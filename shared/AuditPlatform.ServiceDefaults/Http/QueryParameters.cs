using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AuditPlatform.ServiceDefaults.Http;

/// <summary>The query parameters an endpoint takes, declared with <see cref="QueryParameters.AcceptsQuery{TBuilder}"/>.</summary>
public sealed record AcceptedQuery(IReadOnlyList<string> Names);

/// <summary>
/// A query parameter is never silently ignored: on an endpoint that declares what it takes, any other
/// parameter, or one given twice, is a 400 naming it. A misspelt filter would otherwise widen the answer to everything.
/// </summary>
public static class QueryParameters
{
    /// <summary>Declares the endpoint's query parameters (none, when called without names).</summary>
    public static TBuilder AcceptsQuery<TBuilder>(this TBuilder builder, params string[] names)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new AcceptedQuery(names));

    /// <summary>Runs after authorization, before the endpoint binds anything.</summary>
    public static Task RefuseUnknownAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Query.Count == 0 || context.GetEndpoint()?.Metadata.GetMetadata<AcceptedQuery>() is not { } accepted)
        {
            return next(context);
        }

        var errors = new FieldErrors();
        // An empty name ('?a=1&' as auditctl writes it) carries nothing to ignore. Binding matches names without regard
        // to case, so the check does too.
        foreach (var (name, values) in context.Request.Query.Where(p => p.Key.Length > 0))
        {
            if (!accepted.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(name, accepted.Names.Count == 0
                    ? "is not a parameter of this endpoint, which takes none."
                    : $"is not a parameter of this endpoint; it takes {string.Join(", ", accepted.Names)}.");
            }
            else if (values.Count > 1)
            {
                errors.Add(name, "must be given once.");
            }
        }

        return errors.Any
            ? TypedResults.ValidationProblem(errors.ToDictionary(), title: "The query is not valid.", type: Problems.Type("validation")).ExecuteAsync(context)
            : next(context);
    }
}
