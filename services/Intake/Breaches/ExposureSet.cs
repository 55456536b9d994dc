using AuditPlatform.Intake.Disclosures;

namespace AuditPlatform.Intake.Breaches;

/// <summary>Who could have leaked an item, and who did according to a fingerprint: pure functions over holdings.</summary>
public static class ExposureSet
{
    /// <summary>Every partner that held the item at the instant it was observed, in code order.</summary>
    public static IReadOnlyList<string> At(IEnumerable<Holding> holdings, DateTimeOffset observedAt) =>
        [.. holdings.Where(h => h.SharedAt <= observedAt).Select(h => h.Partner).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>The partner whose copy carried this fingerprint, if any held it.</summary>
    public static string? Attribute(IEnumerable<Holding> holdings, string? fingerprint) =>
        fingerprint is null ? null : holdings.FirstOrDefault(h => string.Equals(h.Fingerprint, fingerprint, StringComparison.Ordinal))?.Partner;
}
