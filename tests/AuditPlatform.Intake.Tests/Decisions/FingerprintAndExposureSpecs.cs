using System.Security.Cryptography;
using AuditPlatform.Intake.Breaches;
using AuditPlatform.Intake.Disclosures;

namespace AuditPlatform.Intake.Tests.Decisions;

public class FingerprintAndExposureSpecs
{
    private static readonly DateTimeOffset T0 = new(2017, 5, 22, 23, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_fingerprint_is_stable_for_one_key_and_differs_by_partner_item_and_key()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var item = Guid.NewGuid();
        var a = new Fingerprints(key);

        Assert.Equal(a.For(item, "US-FBI"), new Fingerprints(key).For(item, "US-FBI"));
        Assert.Matches("^[0-9a-f]{32}$", a.For(item, "US-FBI"));
        Assert.NotEqual(a.For(item, "US-FBI"), a.For(item, "US-DHS"));
        Assert.NotEqual(a.For(item, "US-FBI"), a.For(Guid.NewGuid(), "US-FBI"));
        Assert.NotEqual(a.For(item, "US-FBI"), new Fingerprints(RandomNumberGenerator.GetBytes(32)).For(item, "US-FBI"));
    }

    [Fact]
    public void A_short_fingerprint_key_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new Fingerprints(new byte[16]));
    }

    [Fact]
    public void The_exposure_set_is_every_holder_at_the_moment_of_the_leak()
    {
        Holding[] holders = [new("US-FBI", "f1", T0), new("US-DHS", "f2", T0.AddHours(2)), new("FR-DGSI", "f3", T0.AddDays(1))];

        Assert.Empty(ExposureSet.At(holders, T0.AddMinutes(-1)));
        Assert.Equal(["US-FBI"], ExposureSet.At(holders, T0));
        Assert.Equal(["US-DHS", "US-FBI"], ExposureSet.At(holders, T0.AddHours(3)));
        Assert.Equal(["FR-DGSI", "US-DHS", "US-FBI"], ExposureSet.At(holders, T0.AddDays(2)));
    }

    [Fact]
    public void A_fingerprint_attributes_the_leak_to_the_partner_whose_copy_carried_it()
    {
        Holding[] holders = [new("US-FBI", "f1", T0), new("US-DHS", "f2", T0)];

        Assert.Equal("US-DHS", ExposureSet.Attribute(holders, "f2"));
        Assert.Null(ExposureSet.Attribute(holders, "f9"));
        Assert.Null(ExposureSet.Attribute(holders, null));
    }
}
