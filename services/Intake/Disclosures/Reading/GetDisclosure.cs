using System.Security.Claims;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;

namespace AuditPlatform.Intake.Disclosures.Reading;

public sealed record RecipientView(string Partner, string Fingerprint, DateTimeOffset SharedAt);

/// <summary>
/// A disclosure as Intake answers it. A blocked one (status <c>blocked</c>) was shared with no one: no recipients or
/// fingerprints; it names the recipients asked for, the suspended ones among them, the time the share was to take
/// effect, and what was asked to be shared (classification, caveats, content hash), except for a refusal recorded
/// before 6 December 2026, which did not record those and answers without them.
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

        // A blocked disclosure answers what its refusal recorded and nothing it did not.
        var asked = disclosure.ContentSha256.Length > 0;
        return TypedResults.Ok(disclosure.IsRecorded
            ? new DisclosureView(
                disclosure.DisclosureId, disclosure.Status, disclosure.Originator, disclosure.Title, disclosure.Classification, disclosure.Caveats,
                disclosure.ContentSha256, [.. holders.Select(h => new RecipientView(h.Partner, h.Fingerprint, h.SharedAt))],
                holders.ToDictionary(h => h.Partner, h => h.Fingerprint), disclosure.SharedBy, disclosure.SharedAt, null, null)
            : new DisclosureView(
                disclosure.DisclosureId, disclosure.Status, disclosure.Originator, disclosure.Title, asked ? disclosure.Classification : null, asked ? disclosure.Caveats : null,
                asked ? disclosure.ContentSha256 : null, [], new Dictionary<string, string>(),
                disclosure.SharedBy, disclosure.AttemptedAt, disclosure.SuspendedPartners, disclosure.RequestedRecipients.Count > 0 ? disclosure.RequestedRecipients : null));
    }

    public static void MapGetDisclosure(this IEndpointRouteBuilder app) =>
        app.MapGet("/disclosures/{id:guid}", Handle).AcceptsQuery().RequireAuthorization(Policies.AnyRole).WithTags("Disclosures")
            .WithSummary("A disclosure with its recipients and fingerprints.");
}
