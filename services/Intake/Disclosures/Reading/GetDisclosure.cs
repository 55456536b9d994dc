using System.Security.Claims;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;

namespace AuditPlatform.Intake.Disclosures.Reading;

public sealed record RecipientView(string Partner, string Fingerprint, DateTimeOffset SharedAt);

/// <summary>
/// A disclosure as Intake answers it. A blocked one (status <c>blocked</c>) was shared with no one: no recipients or
/// fingerprints, and no classification, caveats or content hash, which the refusal does not record; it names the recipients
/// asked for, the suspended ones among them, and the time the share was to take effect.
/// </summary>
public sealed record DisclosureView(
    Guid DisclosureId, string Status, string Originator, string Title, string? Classification, IReadOnlyList<string>? Caveats,
    string? ContentSha256, IReadOnlyList<RecipientView> Recipients, IReadOnlyDictionary<string, string> Fingerprints,
    string SharedBy, DateTimeOffset? OccurredAt, IReadOnlyList<string>? SuspendedPartners, IReadOnlyList<string>? RequestedRecipients);

public static class GetDisclosure
{
    public static async Task<IResult> Handle(Guid id, ClaimsPrincipal user, IQuerySession session, CancellationToken cancellationToken)
    {
        var disclosure = await session.LoadAsync<Disclosure>(Disclosure.StreamFor(id), cancellationToken);
        if (disclosure is null)
        {
            return Problems.NotFound("disclosure", id.ToString());
        }

        var holders = disclosure.Holders;
        if (user.IsIntegrator())
        {
            // A partner sees an item it originated in full, and one it received with only its own fingerprint.
            var partner = user.Partner();
            if (disclosure.Originator != partner)
            {
                holders = [.. holders.Where(h => h.Partner == partner)];
                if (holders.Count == 0)
                {
                    return Problems.NotFound("disclosure", id.ToString());
                }
            }
        }

        // A blocked disclosure records whom it was for and when, not what was shared: it answers nothing else.
        return TypedResults.Ok(disclosure.IsRecorded
            ? new DisclosureView(
                disclosure.DisclosureId, disclosure.Status, disclosure.Originator, disclosure.Title, disclosure.Classification, disclosure.Caveats,
                disclosure.ContentSha256, [.. holders.Select(h => new RecipientView(h.Partner, h.Fingerprint, h.SharedAt))],
                holders.ToDictionary(h => h.Partner, h => h.Fingerprint), disclosure.SharedBy, disclosure.SharedAt, null, null)
            : new DisclosureView(
                disclosure.DisclosureId, disclosure.Status, disclosure.Originator, disclosure.Title, null, null, null, [], new Dictionary<string, string>(),
                disclosure.SharedBy, disclosure.AttemptedAt, disclosure.SuspendedPartners, disclosure.RequestedRecipients.Count > 0 ? disclosure.RequestedRecipients : null));
    }

    public static void MapGetDisclosure(this IEndpointRouteBuilder app) =>
        app.MapGet("/disclosures/{id:guid}", Handle).AcceptsQuery().RequireAuthorization(Policies.AnyRole).WithTags("Disclosures")
            .WithSummary("A disclosure with its recipients and fingerprints.");
}
