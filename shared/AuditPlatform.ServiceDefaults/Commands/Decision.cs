using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;

namespace AuditPlatform.ServiceDefaults.Commands;

/// <summary>What a decider concluded about a command.</summary>
public enum Verdict
{
    /// <summary>The command changes the aggregate: its events are appended.</summary>
    Accepted,

    /// <summary>The command was already applied (same client id and request, or nothing would change): nothing is appended.</summary>
    AlreadyDone,

    /// <summary>The command cannot be applied; the refusal says why. A refusal may still record events (a refusal the ledger keeps).</summary>
    Refused,
}

/// <summary>
/// Why a command is refused, in the domain's words. The kind, not an HTTP status, is all domain code knows;
/// the HTTP adapter turns it into a status and problem details, the bus adapter into the <c>_error</c> reason.
/// </summary>
public enum RefusalKind
{
    /// <summary>Fields are malformed (HTTP 400 with field errors).</summary>
    Invalid,

    /// <summary>Fields are well formed but name something that cannot be used (422).</summary>
    Unusable,

    /// <summary>The aggregate the command addresses does not exist (404).</summary>
    NotFound,

    /// <summary>The aggregate's state forbids the command, or a client id was used for another request (409).</summary>
    Conflict,

    /// <summary>The caller may not issue this command (403).</summary>
    Forbidden,

    /// <summary>Something the command needs is not available now; repeating it may succeed (503).</summary>
    Unavailable,
}

/// <summary>A refusal: its kind, its problem type slug, a title, a sentence, and the fields at fault.</summary>
public sealed record Refusal(RefusalKind Kind, string ProblemType, string Title, string Detail)
{
    private readonly string? busSentence;

    private static readonly Dictionary<string, string[]> NoErrors = [];
    private static readonly Dictionary<string, object?> NoExtensions = [];

    /// <summary>The fields at fault, each with what it must be.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; init; } = NoErrors;

    /// <summary>
    /// The sentence the bus gives as the <c>_error</c> reason when it is not the detail (a documented reason that
    /// predates the HTTP wording, for instance); by default the detail.
    /// </summary>
    public string BusSentence
    {
        get => busSentence ?? Detail;
        init => busSentence = value;
    }

    /// <summary>Extra members of the problem details (for example the partners a disclosure was refused for).</summary>
    public IReadOnlyDictionary<string, object?> Extensions { get; init; } = NoExtensions;

    /// <summary>
    /// True when the ledger keeps the refusal itself (now, or from the same request before): the bus acknowledges it,
    /// as it happened and its event reaches the bus like any other.
    /// </summary>
    public bool Kept { get; init; }

    /// <summary>The refusal for malformed fields.</summary>
    public static Refusal Invalid(FieldErrors errors, string title = FieldErrors.DefaultTitle) =>
        new(RefusalKind.Invalid, "validation", title, title) { Errors = errors.ToDictionary() };

    /// <summary>Well-formed fields that name something that cannot be used; the detail lists them.</summary>
    public static Refusal Unusable(string problemType, string title, string field, params string[] messages)
    {
        var errors = new Dictionary<string, string[]> { [field] = messages };
        return new(RefusalKind.Unusable, problemType, title, InvalidCommandException.Describe(title, errors)) { Errors = errors };
    }

    /// <summary>A client id reused for a request with a different body.</summary>
    public static Refusal ClientIdConflict(string field, Guid id) =>
        new(RefusalKind.Conflict, "client-id-conflict", "The client id was already used with a different request.",
            $"{field} '{id}' was already used for a request with a different body; use a new id.")
        {
            BusSentence = $"{field} '{id}' was already used for a different request.",
        };

    /// <summary>The caller may not issue this command.</summary>
    public static Refusal Forbidden(string detail) => new(RefusalKind.Forbidden, "forbidden", "Forbidden.", detail);

    /// <summary>No aggregate under the id the command names.</summary>
    public static Refusal NotFound(string what, string id) =>
        new(RefusalKind.NotFound, "not-found", $"No such {what}.", $"There is no {what} '{id}'.");
}

/// <summary>
/// The total, typed answer of a decider: accepted with its events, already done, or refused with why. Deciders
/// never throw for a refusal and never name an HTTP status.
/// </summary>
/// <typeparam name="TEvent">The aggregate's closed set of events.</typeparam>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "Decision<TEvent>.Accept(...) reads as the domain says it; the event type is the aggregate's.")]
public sealed record Decision<TEvent>
    where TEvent : class
{
    private Decision(Verdict verdict, IReadOnlyList<TEvent> events, Refusal? refusal)
    {
        Verdict = verdict;
        Events = events;
        Refusal = refusal;
    }

    /// <summary>A decision that appends nothing because the command was applied before.</summary>
    public static Decision<TEvent> AlreadyDone { get; } = new(Verdict.AlreadyDone, [], null);

    public Verdict Verdict { get; }

    /// <summary>The events to append: those of an accepted command, or those a refusal records.</summary>
    public IReadOnlyList<TEvent> Events { get; }

    public Refusal? Refusal { get; }

    /// <summary>Accepted with these events; with none, the command was already done.</summary>
    public static Decision<TEvent> Accept(params IReadOnlyList<TEvent> events) =>
        events.Count == 0 ? AlreadyDone : new(Verdict.Accepted, events, null);

    /// <summary>Refused; <paramref name="recording"/> are events the ledger keeps about the refusal itself.</summary>
    public static Decision<TEvent> Refuse(Refusal refusal, params IReadOnlyList<TEvent> recording) =>
        new(Verdict.Refused, recording, refusal);
}
