using AuditPlatform.Contracts;
using AuditPlatform.Notification.Partners;

namespace AuditPlatform.Notification.Tests.Decisions;

public class PartnerChannelSpecs
{
    private static PartnerRegistered Registered(string kind) => new()
    {
        Code = "US-DHS",
        Name = "Homeland Security",
        Country = "United States",
        ChannelKind = kind,
        WebhookUrl = kind == ChannelKinds.Webhook ? new Uri("https://dhs.example/hook") : null,
        OccurredAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void A_registration_keeps_the_channel()
    {
        var channel = PartnerChannels.Registered(null, Registered(ChannelKinds.Webhook), 7);

        Assert.Equal(ChannelKinds.Webhook, channel.Kind);
        Assert.Equal(new Uri("https://dhs.example/hook"), channel.WebhookUrl);
        Assert.Equal(7, channel.RegisteredSequence);
    }

    [Fact]
    public void An_older_registration_delivered_late_does_not_undo_a_newer_one()
    {
        var newer = PartnerChannels.Registered(null, Registered(ChannelKinds.Bus), 9);

        var after = PartnerChannels.Registered(newer, Registered(ChannelKinds.Webhook), 7);

        Assert.Equal(ChannelKinds.Bus, after.Kind);
        Assert.Null(after.WebhookUrl);
    }

    [Fact]
    public void Suspension_and_restoration_apply_in_ledger_order_whatever_order_they_arrive_in()
    {
        var registered = PartnerChannels.Registered(null, Registered(ChannelKinds.Bus), 1);
        var restored = PartnerChannels.Restored(registered, "US-DHS", 20);

        var lateSuspension = PartnerChannels.Suspended(restored, "US-DHS", 10);

        Assert.False(lateSuspension.Suspended);
        var suspended = PartnerChannels.Suspended(lateSuspension, "US-DHS", 30);
        Assert.True(suspended.Suspended);
        Assert.Equal(30, suspended.SuspendedSinceSequence);
        Assert.Equal(ChannelKinds.Bus, suspended.Kind);
    }

    [Fact]
    public void A_suspension_heard_before_the_registration_is_kept_when_the_registration_arrives()
    {
        var suspended = PartnerChannels.Suspended(null, "US-DHS", 5);

        var registered = PartnerChannels.Registered(suspended, Registered(ChannelKinds.Bus), 3);

        Assert.True(registered.Suspended);
        Assert.Equal(ChannelKinds.Bus, registered.Kind);
    }
}
