using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Acknowledging;
using AuditPlatform.Escalation.Cases.Assigning;
using AuditPlatform.Escalation.Cases.Escalating;
using AuditPlatform.Escalation.Cases.Noting;
using AuditPlatform.Escalation.Cases.Opening;
using AuditPlatform.Escalation.Cases.Raising;
using AuditPlatform.Escalation.Cases.Resolving;
using AuditPlatform.Escalation.Cases.Responding;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.ServiceDefaults.Commands;

namespace AuditPlatform.Escalation.Tests.Decisions;

/// <summary>
/// The one language of the decision specs: the ladder of deploy/policy/escalation.json, written out so the specs
/// say what they mean without reading a file, and each case command decided by its own slice's pure Decide.
/// </summary>
internal static class Ladder
{
    public static readonly DateTimeOffset Now = new(2017, 5, 24, 9, 0, 0, TimeSpan.Zero);

    public static readonly Guid CaseId = EscalationCase.ForBreach(BreachId);

    public static Guid BreachId => Guid.Parse("0b9e0a5e-2a53-4f0e-9a52-8d3f0c4a7b11");

    public static readonly EscalationPolicy Policy = new(
        [
            new EscalationLevel(1, "operational", TimeSpan.FromHours(4), []),
            new EscalationLevel(2, "agency", TimeSpan.FromHours(24), ["suspendSharing"]),
            new EscalationLevel(3, "ministerial", TimeSpan.FromHours(72), []),
            new EscalationLevel(4, "head-of-government", TimeSpan.FromDays(7), []),
        ],
        new Dictionary<string, int> { ["critical"] = 2 },
        ["assurance", "remediation"]);

    private static readonly OpenBreachCaseSlice Opening = new(Policy);
    private static readonly OpenHandlingDelayCaseSlice OpeningForDelay = new(Policy);
    private static readonly RaiseOnDeadlineSlice Raising = new(Policy);
    private static readonly RecordResponseSlice Responding = new(Policy);
    private static readonly AcknowledgeCaseSlice Acknowledging = new();
    private static readonly AssignCaseSlice Assigning = new();
    private static readonly NoteCaseSlice Noting = new();
    private static readonly EscalateCaseSlice Escalating = new(Policy);
    private static readonly ResolveCaseSlice Resolving = new();

    public static OpenBreachCase Breach(
        string severity = "high",
        IReadOnlyList<string>? partners = null,
        string classification = "secret",
        IReadOnlyList<string>? caveats = null,
        DateTimeOffset? observedAt = null) =>
        new(CaseId, BreachId, partners ?? ["US-DOS"], severity, classification, caveats ?? ["NO-MEDIA"], observedAt ?? Now, "leak");

    /// <summary>The command's slice decides against the state, now (or <paramref name="at"/>); a breach weighs the assurances on record.</summary>
    public static Decision<CaseEvent> Decide(CaseCommand command, EscalationCase? state, DateTimeOffset? at = null, params AssuranceInForce[] assurances)
    {
        var context = new CommandContext(at ?? Now, "spec");
        return command switch
        {
            OpenBreachCase c => Opening.Decide(c, state, new AssurancesOnRecord(assurances), context),
            OpenHandlingDelayCase c => OpeningForDelay.Decide(c, state, context),
            RaiseOnDeadline c => Raising.Decide(c, state, context),
            RecordResponse c => Responding.Decide(c, state, context),
            AcknowledgeCase c => Acknowledging.Decide(c, state, context),
            AssignCase c => Assigning.Decide(c, state, context),
            NoteCase c => Noting.Decide(c, state, context),
            EscalateCase c => Escalating.Decide(c, state, context),
            ResolveCase c => Resolving.Decide(c, state, context),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "No slice decides this command."),
        };
    }

    /// <summary>The state after commands that must all be accepted.</summary>
    public static EscalationCase Given(params CaseCommand[] commands) => Given(Now, commands);

    public static EscalationCase Given(DateTimeOffset at, params CaseCommand[] commands)
    {
        EscalationCase? state = null;
        foreach (var command in commands)
        {
            var decision = Decide(command, state, at);
            Assert.Equal(Verdict.Accepted, decision.Verdict);
            state = Fold(state, decision.Events);
        }

        return state!;
    }

    /// <summary>The command changes nothing and is not refused.</summary>
    public static void Nothing(Decision<CaseEvent> decision)
    {
        Assert.Equal(Verdict.AlreadyDone, decision.Verdict);
        Assert.Empty(decision.Events);
    }

    /// <summary>The command is refused and nothing is recorded; returns why.</summary>
    public static Refusal Refused(Decision<CaseEvent> decision)
    {
        Assert.Equal(Verdict.Refused, decision.Verdict);
        Assert.Empty(decision.Events);
        return decision.Refusal!;
    }

    public static EscalationCase? Fold(EscalationCase? state, IEnumerable<CaseEvent> events) => events.Aggregate(state, CaseHistory.Evolve);
}
