using AuditPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuditPlatform.ServiceDefaults.Http;

/// <summary>RFC 9457 problem types of the platform; each <c>type</c> ends in the slug given here.</summary>
public static class Problems
{
    public const string TypeBase = "https://auditplatform.example/problems/";

    public static string Type(string slug) => TypeBase + slug;

    /// <summary>A problem for a domain refusal, with its own type.</summary>
    public static ProblemHttpResult Refusal(int status, string slug, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: Type(slug), extensions: extensions);

    /// <summary>
    /// The problem for an invalid command: 400 with field errors when the fields are malformed; 422, with its
    /// own type and the fields at fault, when they are well formed but name something that cannot be used.
    /// </summary>
    public static IResult From(InvalidCommandException invalid) =>
        invalid.ProblemType == "validation"
            ? TypedResults.ValidationProblem(invalid.Errors, title: invalid.Title, type: Type(invalid.ProblemType))
            : TypedResults.Problem(title: invalid.Title, detail: invalid.Message, statusCode: StatusCodes.Status422UnprocessableEntity, type: Type(invalid.ProblemType),
                extensions: invalid.Errors.Count == 0 ? null : new Dictionary<string, object?> { ["errors"] = invalid.Errors });

    public static ProblemHttpResult NotFound(string what, string id) =>
        TypedResults.Problem(title: $"No such {what}.", detail: $"There is no {what} '{id}'.", statusCode: StatusCodes.Status404NotFound, type: Type("not-found"));

    public static ProblemHttpResult ClientIdConflict(string field, Guid id) =>
        Refusal(StatusCodes.Status409Conflict, "client-id-conflict", "The client id was already used with a different request.",
            $"{field} '{id}' was already used for a request with a different body; use a new id.");

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(title: "Forbidden.", detail: detail, statusCode: StatusCodes.Status403Forbidden, type: Type("forbidden"));
}
