extern alias ctl;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Tests.Integration;
using AuditPlatform.Audit.Witnesses;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using AuditPlatform.Testing.Browser;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NSec.Cryptography;
using Cli = ctl::AuditPlatform.AuditCtl.Cli;

namespace AuditPlatform.Audit.Tests.Witness;

/// <summary>
/// The Audit service and a real witness on loopback (the program partners run): checkpoints are cosigned, the
/// cosignature travels in the checkpoint's note, evidence packs and the ledger; and a rewritten history is refused by
/// the witness and reported as a fork.
/// </summary>
public sealed class WitnessedLogTests(AuditFixture fixture) : IClassFixture<AuditFixture>, IAsyncLifetime
{
    private const string Name = "witness.partner.example/w1";

    private LocalWitness witness = null!;
    private ServiceHost<AuditApp> audit = null!;
    private Uri address = null!;


    private string WitnessVerifierKey => witness.VerifierKey;

    public async Task InitializeAsync()
    {
        witness = new LocalWitness(Name, fixture);
        var url = await witness.StartAsync();
        // An Audit replica that knows the witness; rounds are run by the test, not on a timer.
        var settings = fixture.AuditSettings();
        settings["Audit:Witnesses:0:Name"] = Name;
        settings["Audit:Witnesses:0:Url"] = url;
        settings["Audit:Witnesses:0:VerifierKey"] = WitnessVerifierKey;
        settings["Audit:Witnesses:0:Partner"] = "UK-MI5";
        settings["Audit:WitnessInterval"] = "01:00:00";
        audit = new ServiceHost<AuditApp>(fixture, settings);
        address = audit.ListenOnLoopback();
    }

    public async Task DisposeAsync()
    {
        await audit.DisposeAsync();
        await witness.DisposeAsync();
    }

    [Fact]
    public async Task A_checkpoint_is_cosigned_carried_in_its_note_and_packs_and_a_rewritten_history_is_refused_as_a_fork()
    {
        var compliance = audit.ClientFor(Roles.Compliance);
        await fixture.RegisterAsync("W-1");
        await fixture.RegisterAsync("W-2");
        await fixture.CheckpointAsync();
        var rounds = audit.Services.GetRequiredService<WitnessRounds>();
        var first = await fixture.WitnessedAsync(rounds, Name);
        Assert.True(first.Cosigned, first.Detail);

        // The latest checkpoint's note now carries the witness's cosignature, which verifies with its key alone.
        var latest = await compliance.GetFromJsonAsync<JsonElement>("/audit/checkpoints/latest");
        var note = latest.GetProperty("note").GetString()!;
        Assert.NotNull(CheckpointNote.Verify(note, fixture.VerifierKey));
        Assert.NotNull(Cosignature.Verify(note, WitnessVerifierKey));

        // A second round has nothing to send: the witness answered this checkpoint.
        Assert.Empty(await rounds.RunAsync(CancellationToken.None));

        // The log grows; the next checkpoint is cosigned from the last one by a consistency proof, and an evidence
        // pack carries the cosignature: it verifies with a quorum of one, not with a quorum of two.
        await fixture.RegisterAsync("W-3");
        await fixture.CheckpointAsync();
        Assert.True(Assert.Single(await rounds.RunAsync(CancellationToken.None)).Cosigned);
        var pack = await compliance.GetFromJsonAsync<JsonElement>("/audit/evidence/partner/W-3");
        Assert.Null(OfflineCheck.Pack(pack, fixture.VerifierKey, [new TrustedWitness(Name, WitnessVerifierKey)], 1));
        Assert.Contains("1 of 2", OfflineCheck.Pack(pack, fixture.VerifierKey, [new TrustedWitness(Name, WitnessVerifierKey), Stranger()], 2), StringComparison.Ordinal);

        // auditctl verify-pack --witness NAME=KEY … --threshold K, offline, with the key as a verifier key or as raw base64.
        var file = new FileInfo(Path.Combine(witness.State, "pack.json"));
        await File.WriteAllTextAsync(file.FullName, pack.GetRawText());
        var rawKey = Convert.ToBase64String(witness.Key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        var stranger = Stranger();
        var output = new StringWriter();
        Assert.Equal(Cli.Ok, Cli.VerifyPack(file, fixture.VerifierKey, output, [$"{Name}={WitnessVerifierKey}"], 1));
        Assert.Contains("cosigned by 1 of 1 trusted witnesses (1 required)", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(Cli.Ok, Cli.VerifyPack(file, fixture.VerifierKey, TextWriter.Null, [$"{Name}={rawKey}", $"{stranger.Name}={stranger.VerifierKey}"], 1));
        output = new StringWriter();
        Assert.Equal(Cli.Tampered, Cli.VerifyPack(file, fixture.VerifierKey, output, [$"{Name}={rawKey}", $"{stranger.Name}={stranger.VerifierKey}"], null));
        Assert.Contains($"NOT VERIFIED: the checkpoint is cosigned by 1 of 2 required witnesses ({Name}); missing or invalid: {stranger.Name}", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(Cli.Error, Cli.VerifyPack(file, fixture.VerifierKey, TextWriter.Null, [$"someone-else={WitnessVerifierKey}"], 1));

        // Both cosignatures are in the ledger, on their checkpoints' streams.
        var cosigned = await compliance.GetFromJsonAsync<JsonElement>("/audit/events?type=checkpoint_cosigned");
        Assert.Equal(2, cosigned.GetProperty("events").GetArrayLength());
        var witnesses = await compliance.GetFromJsonAsync<JsonElement>("/audit/witnesses");
        Assert.True(witnesses.GetProperty("latestWitnessed").GetBoolean());
        Assert.Equal("UK-MI5", witnesses.GetProperty("witnesses")[0].GetProperty("partner").GetString());
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserAsync(playwright);
        Assert.Equal("ok", await WitnessLineAsync(browser, "Witnessed: the latest checkpoint is cosigned by 1 of 1 witnesses (witness.partner.example/w1); 1 required."));

        // History rewritten: an early ledger row altered and the chain rebuilt from it, as an operator covering
        // tracks would. The new checkpoint cannot be proven to extend what the witness cosigned: it refuses (422).
        await fixture.ExecuteAsync("update ledger.mt_events set data = jsonb_set(data, '{Country}', '\"Atlantis\"') where seq_id = 1");
        // Under the chain's leader lock, as the follower writes those tables under it: a truncate racing a follower's
        // round deadlocked with it.
        await fixture.ExecuteAsync("""
            begin;
            select pg_advisory_xact_lock(hashtextextended('auditplatform.audit.chain', 0));
            truncate audit.chain, audit.tree_nodes, audit.checkpoints;
            commit;
            """);
        await fixture.RegisterAsync("W-4");
        await fixture.CheckpointAsync();
        var refused = Assert.Single(await rounds.RunAsync(CancellationToken.None));
        Assert.False(refused.Cosigned);
        Assert.True(refused.Fork);
        Assert.Equal(422, refused.Status);

        // Reported: readiness says degraded and names the witness, the ledger records the refusal, the API shows it.
        var health = await audit.CreateClient().GetFromJsonAsync<JsonElement>("/health/ready");
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.Contains($"witness {Name} refused", health.GetProperty("checks").GetProperty("witnesses").GetProperty("description").GetString(), StringComparison.Ordinal);
        var refusals = await compliance.GetFromJsonAsync<JsonElement>("/audit/events?type=witness_refused");
        var recorded = Assert.Single(refusals.GetProperty("events").EnumerateArray());
        Assert.True(recorded.GetProperty("data").GetProperty("fork").GetBoolean());
        witnesses = await compliance.GetFromJsonAsync<JsonElement>("/audit/witnesses");
        Assert.False(witnesses.GetProperty("latestWitnessed").GetBoolean());
        Assert.True(witnesses.GetProperty("witnesses")[0].GetProperty("lastAnswer").GetProperty("fork").GetBoolean());
        Assert.Equal("bad", await WitnessLineAsync(browser, $"Fork suspected: witness {Name} refused the checkpoint of size"));
    }

    private static async Task<IBrowser> BrowserAsync(IPlaywright playwright)
    {
        return await HeadlessChromium.LaunchAsync(playwright, "the compliance page");
    }

    /// <summary>The compliance page's witness line, once it starts with <paramref name="expected"/>; returns its class (ok or bad).</summary>
    private async Task<string?> WitnessLineAsync(IBrowser browser, string expected)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(address.ToString());
        await page.FillAsync("#token", fixture.Token(Roles.Compliance, lifetime: TimeSpan.FromHours(1)));
        await page.ClickAsync("#save-token");
        await Assertions.Expect(page.Locator("#witnesses")).ToContainTextAsync(expected);
        var line = await page.GetAttributeAsync("#witnesses", "class");
        await page.CloseAsync();
        return line;
    }

    private static TrustedWitness Stranger()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        return new TrustedWitness("witness.other.example/w1", Cosignature.VerifierKey("witness.other.example/w1", key.PublicKey));
    }
}
