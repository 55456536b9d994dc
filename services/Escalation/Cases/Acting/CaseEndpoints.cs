using System.Security.Claims;
using AuditPlatform.Escalation.Cases.Deciding;
using AuditPlatform.Escalation.Cases.Reading;
using AuditPlatform.Escalation.Dashboard;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Policy;
using AuditPlatform.ServiceDefaults.Security;
using Marten;

namespace AuditPlatform.Escalation.Cases.Acting;

public sealed record AcknowledgeBody(string? By);

public sealed record AssignBody(string? By, string? To);

public sealed record EscalateBody(string? By, string? Reason);

public sealed record ResolveBody(string? By, string? Reason, bool RestoreSharing);

public sealed record NoteBody(string? By, string? Text);

/// <summary>The cases over HTTP: the queues, one case with its history, the operators' actions and the live stream.</summary>
public static class CaseEndpoints
{
    public static void MapCases(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/escalations").WithTags("Escalations");
        cases.MapGet("/", List).AcceptsQuery("status", "level", "partner").RequireAuthorization(Policies.ReadInternal).WithSummary("Cases, filtered by status, level and partner.");
        cases.MapGet("/{id:guid}", Get).AcceptsQuery().RequireAuthorization(Policies.ReadInternal).WithSummary("One case with its history.");
        cases.MapGet("/stream", (CaseFeed feed, CancellationToken ct) => TypedResults.ServerSentEvents(feed.StreamAsync(ct)))
            .AcceptsQuery("access_token").RequireAuthorization(Policies.ReadInternal).WithSummary("A 'ready' event, then every case change as an event named 'case'.");
        cases.MapPost("/{id:guid}/acknowledge", (Guid id, AcknowledgeBody body, ClaimsPrincipal user, CaseDesk desk, CancellationToken ct) =>
            Act(desk, new Acknowledge(id, By(body.By, user, new FieldErrors())), ct)).AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary("Acknowledge a case.");
        cases.MapPost("/{id:guid}/assign", (Guid id, AssignBody body, ClaimsPrincipal user, CaseDesk desk, CancellationToken ct) =>
        {
            var errors = new FieldErrors();
            var by = By(body.By, user, errors);
            errors.Text("to", body.To, 200);
            errors.ThrowIfAny();
            return Act(desk, new Assign(id, by, body.To!), ct);
        }).AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary("Assign a case to someone.");
        cases.MapPost("/{id:guid}/escalate", (Guid id, EscalateBody body, ClaimsPrincipal user, CaseDesk desk, CancellationToken ct) =>
            Act(desk, new EscalateByHand(id, By(body.By, user, Reason("reason", body.Reason)), body.Reason!), ct))
            .AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary("Raise a case one level by hand.");
        cases.MapPost("/{id:guid}/resolve", (Guid id, ResolveBody body, ClaimsPrincipal user, CaseDesk desk, CancellationToken ct) =>
            Act(desk, new Resolve(id, By(body.By, user, Reason("reason", body.Reason)), body.Reason!, body.RestoreSharing), ct))
            .AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary("Resolve a case, optionally restoring sharing with its partners.");
        cases.MapPost("/{id:guid}/note", (Guid id, NoteBody body, ClaimsPrincipal user, CaseDesk desk, CancellationToken ct) =>
            Act(desk, new Note(id, By(body.By, user, Reason("text", body.Text)), body.Text!), ct))
            .AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary("Add a note to a case.");
    }

    /// <summary>
    /// The queues, highest level first, then oldest first; at most <c>Escalation:ListLimit</c> cases (1,000). Every filter
    /// runs in the database before the limit, so a filter never misses a case that lies beyond the first page of all cases.
    /// </summary>
    public static async Task<IResult> List(string? status, string? level, string? partner, IQuerySession session, EscalationPolicy policy, IConfiguration configuration, CancellationToken ct)
    {
        var errors = new FieldErrors();
        errors.OneOf("status", status, EscalationCase.Statuses, required: false);
        var top = policy.Levels[^1].Level;
        var wanted = (int?)errors.WholeNumber("level", level, policy.Levels[0].Level, top);
        errors.PartnerCode("partner", partner, required: false);
        errors.ThrowIfAny("The filter is not valid.");
        var query = session.Query<EscalationCase>().AsQueryable();
        if (status is not null)
        {
            query = query.Where(c => c.Status == status);
        }

        if (wanted is { } l)
        {
            query = query.Where(c => c.Level == l);
        }

        if (partner is not null)
        {
            query = query.Where(c => c.Partners.Contains(partner));
        }

        var limit = configuration.GetValue("Escalation:ListLimit", 1000);
        var found = await query.OrderByDescending(c => c.Level).ThenBy(c => c.OpenedAt).Take(limit).ToListAsync(ct);
        return TypedResults.Ok(found.Select(CaseView.From));
    }

    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<EscalationCase>(EscalationCase.StreamFor(id), ct) is { } found
            ? TypedResults.Ok(CaseView.WithHistory(found))
            : Problems.NotFound("case", id.ToString("D"));

    private static async Task<IResult> Act(CaseDesk desk, CaseCommand command, CancellationToken ct)
    {
        var outcome = await desk.ActAsync(command, ct);
        return outcome.Refusal is { } refusal
            ? Problems.Refusal(refusal.Status, refusal.Slug, refusal.Title, refusal.Detail)
            : TypedResults.Ok(CaseView.WithHistory(outcome.Case!));
    }

    private static FieldErrors Reason(string field, string? value)
    {
        var errors = new FieldErrors();
        errors.Text(field, value);
        return errors;
    }

    /// <summary>Who acts: the body's <c>by</c>, or else the token's subject; every action is recorded with it.</summary>
    private static string By(string? by, ClaimsPrincipal user, FieldErrors errors)
    {
        errors.Text("by", by, 200, required: false);
        errors.ThrowIfAny();
        return string.IsNullOrWhiteSpace(by) ? user.Name() : by;
    }
}
