using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http;

namespace AuditPlatform.ServiceDefaults.Commands;

/// <summary>The HTTP face of a decision: a refusal becomes RFC 9457 problem details with the status its kind maps to.</summary>
public static class HttpOutcomes
{
    /// <summary>The status a refusal of this kind answers with.</summary>
    public static int StatusOf(RefusalKind kind) => kind switch
    {
        RefusalKind.Invalid => StatusCodes.Status400BadRequest,
        RefusalKind.Unusable => StatusCodes.Status422UnprocessableEntity,
        RefusalKind.NotFound => StatusCodes.Status404NotFound,
        RefusalKind.Conflict => StatusCodes.Status409Conflict,
        RefusalKind.Forbidden => StatusCodes.Status403Forbidden,
        RefusalKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown refusal kind."),
    };

    /// <summary>Problem details for a refusal: field errors under <c>errors</c>, its extensions beside them.</summary>
    public static IResult Problem(Refusal refusal)
    {
        if (refusal.Kind == RefusalKind.Invalid)
        {
            return TypedResults.ValidationProblem(refusal.Errors, title: refusal.Title, type: Problems.Type(refusal.ProblemType));
        }

        var extensions = new Dictionary<string, object?>(refusal.Extensions);
        if (refusal.Errors.Count > 0)
        {
            extensions["errors"] = refusal.Errors;
        }

        return TypedResults.Problem(detail: refusal.Detail, statusCode: StatusOf(refusal.Kind), title: refusal.Title, type: Problems.Type(refusal.ProblemType),
            extensions: extensions.Count == 0 ? null : extensions);
    }

    /// <summary>The answer to a command: <paramref name="accepted"/> or <paramref name="alreadyDone"/> with the state, or the refusal's problem.</summary>
    public static IResult ToHttp<TState, TEvent>(this CommandOutcome<TState, TEvent> outcome, Func<TState, IResult> accepted, Func<TState, IResult>? alreadyDone = null)
        where TState : class
        where TEvent : class => outcome.Verdict switch
        {
            Verdict.Refused => Problem(outcome.Refusal!),
            Verdict.AlreadyDone => (alreadyDone ?? accepted)(outcome.State!),
            _ => accepted(outcome.State!),
        };
}

/// <summary>The bus face of a decision: accepted and repeated commands are acknowledged; a refusal goes to <c>_error</c> with its reason.</summary>
public static class BusOutcomes
{
    /// <summary>
    /// Throws the refusal as an <see cref="InvalidCommandException"/> (never retried; the message goes to <c>_error</c>
    /// with the reason, and the sender's partner queue gets a <c>command-refused</c> notice). A refusal that the
    /// ledger keeps (<see cref="Refusal.Kept"/>) is acknowledged instead: it happened, and its event reaches the bus like any other.
    /// </summary>
    public static void AcknowledgeOrRefuse<TState, TEvent>(this CommandOutcome<TState, TEvent> outcome)
        where TState : class
        where TEvent : class
    {
        if (outcome.Refusal is { Kept: false } refusal)
        {
            throw new InvalidCommandException(refusal.ProblemType, refusal.Errors.Count > 0 ? refusal.Title : refusal.BusSentence, refusal.Errors) { Counted = true };
        }
    }
}
