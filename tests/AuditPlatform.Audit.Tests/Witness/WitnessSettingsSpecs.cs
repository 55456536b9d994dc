extern alias witness;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Ledger;
using Microsoft.Extensions.Configuration;
using NSec.Cryptography;
using WitnessBusOptions = witness::AuditPlatform.Witness.WitnessBusOptions;
using WitnessedLog = witness::AuditPlatform.Witness.WitnessedLog;
using WitnessOptions = witness::AuditPlatform.Witness.WitnessOptions;

namespace AuditPlatform.Audit.Tests.Witness;

/// <summary>A witness set up wrong, on either side, is refused at start with the setting named, not left to fail quietly every round.</summary>
public sealed class WitnessSettingsSpecs
{
    private const string Name = "witness.tests.example/w1";

    private static readonly string VerifierKey = NewVerifierKey(Name);

    [Fact]
    public void The_Audit_service_accepts_an_http_witness_and_a_bus_witness_set_up_right()
    {
        var options = AuditOptions.From(Settings(
            ("Audit:Witnesses:0:Name", Name), ("Audit:Witnesses:0:Url", "https://witness.example"), ("Audit:Witnesses:0:VerifierKey", VerifierKey),
            ("Audit:Witnesses:1:Name", "witness.us-fbi.example/w1"), ("Audit:Witnesses:1:Transport", "bus"), ("Audit:Witnesses:1:Partner", "US-FBI"),
            ("Audit:Witnesses:1:VerifierKey", NewVerifierKey("witness.us-fbi.example/w1"))));

        Assert.False(options.Witnesses[0].OverBus);
        Assert.True(options.Witnesses[1].OverBus);
        Assert.Equal("partner-US-FBI", options.Witnesses[1].ExpectedBusUser);
    }

    [Theory]
    [InlineData("Url", "ftp://witness.example", "Audit:Witnesses:0:Url must be the witness's http(s) address.")]
    [InlineData("Transport", "carrier-pigeon", "Audit:Witnesses:0:Transport must be 'http' or 'bus'.")]
    [InlineData("Transport", "bus", "Audit:Witnesses:0:Partner must be the partner's code")]
    [InlineData("VerifierKey", "witness.other.example/w1+00000000+BAAA", "Audit:Witnesses:0:VerifierKey must be the witness's cosignature verifier key")]
    [InlineData("Name", "two words", "Audit:Witnesses:0:Name must be the witness's key name")]
    public void The_Audit_service_refuses_a_witness_set_up_wrong_and_names_the_setting(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Audit:Witnesses:0:Name"] = Name,
            ["Audit:Witnesses:0:Url"] = "http://127.0.0.1:5105",
            ["Audit:Witnesses:0:VerifierKey"] = VerifierKey,
        };
        settings["Audit:Witnesses:0:" + key] = value;

        var refused = Assert.Throws<InvalidOperationException>(() => AuditOptions.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()));

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "witness.US-FBI", "Witness:Bus:Connection must be an amqp:// or amqps:// address")]
    [InlineData("amqp://127.0.0.1:5672/audit", "witness.US-FBI", "Witness:Bus:Connection must be an amqp:// or amqps:// address")]
    [InlineData("amqp://partner-US-FBI:secret@127.0.0.1:5672/audit", "partner.US-FBI", "Witness:Bus:Queue must be the partner's witness queue")]
    [InlineData("amqp://partner-US-FBI:secret@127.0.0.1:5672/audit", null, "Witness:Bus:Queue must be the partner's witness queue")]
    public void The_witness_refuses_bus_settings_it_cannot_consume_with(string? connection, string? queue, string expected)
    {
        var options = new WitnessOptions
        {
            Name = Name,
            Logs = [new WitnessedLog { Origin = "tests.example/ledger", VerifierKey = CheckpointVerifierKey() }],
            Bus = new WitnessBusOptions { Connection = connection, Queue = queue },
        };

        Assert.Contains(options.Problems(), p => p.StartsWith(expected, StringComparison.Ordinal));
        options.Bus = new WitnessBusOptions { Connection = "amqp://partner-US-FBI:secret@127.0.0.1:5672/audit", Queue = "witness.US-FBI" };
        Assert.Empty(options.Problems());
    }

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static string NewVerifierKey(string name)
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        return Cosignature.VerifierKey(name, key.PublicKey);
    }

    private static string CheckpointVerifierKey()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        return CheckpointNote.VerifierKey("tests.example/ledger", key.PublicKey);
    }
}
