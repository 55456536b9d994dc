using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Timeline;

namespace AuditPlatform.Audit.Tests.Timeline;

public class TimelineFoldSpecs
{
    private static LedgerEvent Stored(long version, string type, string data) =>
        new(version, Guid.NewGuid(), "disclosure/d-1", version, type, DateTimeOffset.UnixEpoch.AddDays(version), data);

    [Fact]
    public void The_state_has_camelCase_names_at_every_depth_and_later_values_win()
    {
        var state = TimelineFold.Fold("disclosure",
        [
            Stored(1, "sharing_blocked", """{"Title":"Draft","Recipients":["US-DHS"]}"""),
            Stored(2, "disclosure_recorded", """{"Title":"Scene photographs","Recipients":[{"Partner":"US-FBI","Fingerprint":"ab"}]}"""),
        ]);

        Assert.Equal("Scene photographs", state["title"]!.GetValue<string>());
        Assert.Equal("US-FBI", state["recipients"]![0]!["partner"]!.GetValue<string>());
        Assert.Equal("ab", state["recipients"]![0]!["fingerprint"]!.GetValue<string>());
        Assert.Equal("disclosure_recorded", state["lastEvent"]!.GetValue<string>());
        Assert.Null(state["Title"]);
    }
}
