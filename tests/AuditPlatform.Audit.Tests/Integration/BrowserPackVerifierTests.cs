extern alias ctl;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Tests.Witness;
using AuditPlatform.Audit.Witnesses;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using AuditPlatform.Testing.Browser;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NSec.Cryptography;
using Cli = ctl::AuditPlatform.AuditCtl.Cli;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>
/// The compliance page's evidence-pack verifier (<c>wwwroot/verify-pack.js</c>) in headless Chromium, loaded from a
/// running Audit service whose checkpoints a real witness cosigns: a pack verifies there exactly when
/// <see cref="OfflineCheck.Pack"/> and <c>auditctl verify-pack</c> verify it, every altered event is named, and nothing
/// is asked of the server once the module is loaded.
/// </summary>
public sealed class BrowserPackVerifierTests(AuditFixture fixture) : IClassFixture<AuditFixture>, IAsyncLifetime
{
    private const string Verify = """
        async ([pack, options]) => {
          const { verifyPack } = await import("/verify-pack.js");
          const progress = [];
          const result = await verifyPack(JSON.parse(pack), { ...options, onProgress: (done, total) => progress.push([done, total]) });
          return { ...result, progress };
        }
        """;

    // A witness of its own per test: the fixture's database remembers what each witness name last cosigned.
    private readonly string witnessName = $"witness.partner.example/{Guid.NewGuid():N}";
    private LocalWitness witness = null!;
    private ServiceHost<AuditApp> audit = null!;
    private IPlaywright playwright = null!;
    private IBrowser browser = null!;
    private IPage page = null!;

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);


    private TrustedWitness Witness => witness.Trusted;

    public async Task InitializeAsync()
    {
        witness = new LocalWitness(witnessName, fixture);
        var url = await witness.StartAsync();
        var settings = fixture.AuditSettings();
        settings["Audit:Witnesses:0:Name"] = witnessName;
        settings["Audit:Witnesses:0:Url"] = url;
        settings["Audit:Witnesses:0:VerifierKey"] = Witness.VerifierKey;
        settings["Audit:WitnessInterval"] = "01:00:00";
        audit = new ServiceHost<AuditApp>(fixture, settings);
        var address = audit.ListenOnLoopback();
        using var http = new HttpClient { BaseAddress = address };
        await Eventually.TrueAsync(async () => (await http.GetAsync("/health/ready")).IsSuccessStatusCode, "the Audit host to be ready");

        playwright = await Playwright.CreateAsync();
        browser = await HeadlessChromium.LaunchAsync(playwright, "verify-pack.js");
        page = await browser.NewPageAsync();
        await page.GotoAsync(address.ToString());
    }

    public async Task DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
        await audit.DisposeAsync();
        await witness.DisposeAsync();
    }

    [Fact]
    public async Task An_untouched_pack_verifies_in_the_browser_with_its_witness_and_names_the_servers_checkpoint()
    {
        var pack = await WitnessedPackAsync("BV-1");
        var count = pack["events"]!.AsArray().Count;
        Assert.Equal(3, count);

        var result = await VerdictAsync(pack, fixture.VerifierKey, [Witness], 1);
        Assert.True(result.GetProperty("ok").GetBoolean(), result.GetRawText());
        Assert.Equal(count, result.GetProperty("verified").GetInt32());
        Assert.Empty(result.GetProperty("failures").EnumerateArray());
        Assert.Equal([witnessName], result.GetProperty("cosignedBy").EnumerateArray().Select(n => n.GetString()));
        var progress = result.GetProperty("progress").EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetInt32())).ToList();
        Assert.Equal(Enumerable.Range(0, count + 1).Select(done => (done, count)), progress);

        // The checkpoint it reports is the one the server signed last, as its note states it.
        var latest = await audit.ClientFor(Roles.Compliance).GetFromJsonAsync<JsonElement>("/audit/checkpoints/latest");
        var checkpoint = result.GetProperty("checkpoint");
        Assert.Equal(AuditFixture.Origin, checkpoint.GetProperty("origin").GetString());
        Assert.Equal(CheckpointNote.Parse(latest.GetProperty("note").GetString()!)!.Origin, checkpoint.GetProperty("origin").GetString());
        Assert.Equal(latest.GetProperty("size").GetInt64(), checkpoint.GetProperty("size").GetInt64());
        Assert.Equal(latest.GetProperty("root").GetString(), checkpoint.GetProperty("root").GetString());

        // The older ECDSA key verifies it too, and so does a pack whose checkpoint is from before notes.
        Assert.True((await VerdictAsync(pack, fixture.PublicKey, [], 0)).GetProperty("ok").GetBoolean());
        var beforeNotes = pack.DeepClone();
        var old = beforeNotes["checkpoint"]!.AsObject();
        old.Remove("note");
        old.Remove("verifierKey");
        old.Remove("size");
        Assert.True((await VerdictAsync(beforeNotes, fixture.PublicKey, [], 0)).GetProperty("ok").GetBoolean());
        Assert.Null((await VerdictAsync(beforeNotes, fixture.PublicKey, [], 0)).GetProperty("checkpoint").GetProperty("origin").GetString());
    }

    [Fact]
    public async Task Every_altered_event_is_named_by_its_sequence_and_the_offline_checks_agree()
    {
        var pack = await WitnessedPackAsync("BV-2");
        var events = pack["events"]!.AsArray();
        var suspended = events.Single(e => (string?)e!["type"] == "sharing_suspended")!;
        var registered = events[0]!;

        // The body edited where it is hashed and where it is shown, as a forger would.
        var body = pack.DeepClone();
        var edited = Event(body, (long)suspended["sequence"]!);
        edited["rawData"] = ((string)edited["rawData"]!).Replace("photographs leaked", "nothing leaked", StringComparison.Ordinal);
        edited["data"] = JsonNode.Parse((string)edited["rawData"]!);
        var result = await VerdictAsync(body, fixture.VerifierKey, [Witness], 1);
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal([((long?)suspended["sequence"]!, "leaf hash does not match its body")], Failures(result));
        Assert.Equal(events.Count - 1, result.GetProperty("verified").GetInt32());

        // One hash of an inclusion path changed.
        var proof = pack.DeepClone();
        var step = Event(proof, (long)registered["sequence"]!)["path"]![0]!;
        step["hash"] = Flip((string)step["hash"]!);
        Assert.Equal([((long?)registered["sequence"]!, "inclusion proof does not lead to the checkpoint root")], Failures(await VerdictAsync(proof, fixture.VerifierKey, [Witness], 1)));

        // The shown body alone changed: what a reader sees is no longer what was hashed.
        var shown = pack.DeepClone();
        Event(shown, (long)suspended["sequence"]!)["data"]!["Reason"] = "nothing leaked";
        Assert.Equal([((long?)suspended["sequence"]!, "its shown body differs from the raw body that is hashed")], Failures(await VerdictAsync(shown, fixture.VerifierKey, [Witness], 1)));

        // Both at once: checking goes on past the first failure, so both events are named.
        var both = body.DeepClone();
        var bothStep = Event(both, (long)registered["sequence"]!)["path"]![0]!;
        bothStep["hash"] = Flip((string)bothStep["hash"]!);
        result = await VerdictAsync(both, fixture.VerifierKey, [Witness], 1);
        Assert.Equal(
            [((long?)registered["sequence"]!, "inclusion proof does not lead to the checkpoint root"), ((long?)suspended["sequence"]!, "leaf hash does not match its body")],
            Failures(result));
        Assert.Equal(events.Count - 2, result.GetProperty("verified").GetInt32());
    }

    [Fact]
    public async Task A_checkpoint_key_that_did_not_sign_the_pack_fails_on_the_signature()
    {
        var pack = await WitnessedPackAsync("BV-3");
        using var other = Key.Create(SignatureAlgorithm.Ed25519);
        using var otherEcdsa = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var wrongKeys = new[] { CheckpointNote.VerifierKey(AuditFixture.Origin, other.PublicKey), Convert.ToBase64String(otherEcdsa.ExportSubjectPublicKeyInfo()) };
        foreach (var wrong in wrongKeys)
        {
            var result = await VerdictAsync(pack, wrong, [], 0);
            Assert.False(result.GetProperty("ok").GetBoolean());
            Assert.Equal([((long?)null, "checkpoint signature does not verify with the given key")], Failures(result));
            Assert.Equal(0, result.GetProperty("verified").GetInt32());
        }

        // One trusted key that signed it is enough, as when a key was rotated.
        Assert.True((await BrowserAsync(pack, [wrongKeys[0], fixture.VerifierKey], [], 0)).GetProperty("ok").GetBoolean());

        // A note signed by the log but stating another root is refused, whichever key is trusted.
        var swapped = pack.DeepClone();
        swapped["checkpoint"]!["root"] = Flip((string)swapped["checkpoint"]!["root"]!);
        Assert.Contains(((long?)null, "checkpoint signature does not verify with the given key"), Failures(await VerdictAsync(swapped, fixture.VerifierKey, [], 0)));
        Assert.False((await VerdictAsync(swapped, fixture.PublicKey, [], 0)).GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task A_pack_without_the_required_witness_cosignatures_is_not_verified()
    {
        var pack = await WitnessedPackAsync("BV-4");
        var stranger = Stranger();

        var result = await VerdictAsync(pack, fixture.VerifierKey, [Witness, stranger], 2);
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal([witnessName], result.GetProperty("cosignedBy").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(
            [((long?)null, $"the checkpoint is cosigned by 1 of 2 required witnesses ({witnessName}); missing or invalid: {stranger.Name}")],
            Failures(result));
        Assert.Equal(pack["events"]!.AsArray().Count, result.GetProperty("verified").GetInt32());

        Assert.False((await VerdictAsync(pack, fixture.VerifierKey, [stranger], 1)).GetProperty("ok").GetBoolean());
        Assert.True((await VerdictAsync(pack, fixture.VerifierKey, [Witness, stranger], 1)).GetProperty("ok").GetBoolean());

        // A cosignature line altered in the note no longer counts.
        var forged = pack.DeepClone();
        var note = (string)forged["checkpoint"]!["note"]!;
        var line = note.Split('\n').Single(l => l.StartsWith(CheckpointNote.SignaturePrefix + witnessName + " ", StringComparison.Ordinal));
        var signature = Convert.FromBase64String(line[(line.IndexOf(' ', 2) + 1)..]);
        signature[^1] ^= 1;
        forged["checkpoint"]!["note"] = note.Replace(line, $"{CheckpointNote.SignaturePrefix}{witnessName} {Convert.ToBase64String(signature)}", StringComparison.Ordinal);
        result = await VerdictAsync(forged, fixture.VerifierKey, [Witness], 1);
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Empty(result.GetProperty("cosignedBy").EnumerateArray());
    }

    [Fact]
    public async Task A_pack_is_verified_with_the_network_cut_off_once_the_module_is_loaded()
    {
        var pack = await WitnessedPackAsync("BV-5");
        await page.EvaluateAsync("async () => { window.packVerifier = await import('/verify-pack.js'); }");

        // From here on every request fails, as it would offline: a fetch from the page proves it.
        await page.RouteAsync("**/*", route => route.AbortAsync());
        Assert.False(await page.EvaluateAsync<bool>("async () => { try { await fetch('/verify-pack.js?again'); return true; } catch { return false; } }"));

        var result = await page.EvaluateAsync<JsonElement>(
            "async ([pack, options]) => await window.packVerifier.verifyPack(JSON.parse(pack), options)",
            new object[] { pack.ToJsonString(), new { checkpointKeys = new[] { fixture.VerifierKey }, witnesses = new[] { Witness.VerifierKey }, threshold = 1 } });
        Assert.True(result.GetProperty("ok").GetBoolean(), result.GetRawText());
        Assert.Equal(pack["events"]!.AsArray().Count, result.GetProperty("verified").GetInt32());
    }

    [Theory]
    [InlineData("""{"OccurredAt": "2017-05-24T21:00:00+01:00", "Partner": "US-FBI"}""", "2026-12-02T12:31:42.5516847+05:30")]
    [InlineData("""{"occurredAt": "2017-05-24T21:00:00.12345678901-05:30"}""", "2026-12-02T12:31:42Z")]
    [InlineData("""{"Occurred\u0041t": "2017-05-24T21:00Z"}""", "2026-12-02T12:31:42.1+00:00")]
    [InlineData("""{"OccurredAt": 5, "occurredat": "2017-05-24T23:59:59.9999999-14:00"}""", "0001-01-01T00:00:00+00:00")]
    [InlineData("""{"OccurredAt": "yesterday", "Nested": {"OccurredAt": "2017-01-01T00:00:00Z"}}""", "2026-12-02T12:31:42.000001+00:00")]
    [InlineData("""{"OccurredAt": "2017-02-29T00:00:00Z", "Later": "2016-02-29T10:00:00Z"}""", "2026-12-02T12:31:42+00:00")]
    [InlineData("""{"OccurredAt": "2016-02-29T10:00:00.Z"}""", "2026-12-02T12:31:42+00:00")]
    [InlineData("""{"OccurredAt": "2017-05-24T21:00:00+14:30", "occurredAt": "2017-05-24T21:00:00+14:00"}""", "2026-12-02T12:31:42+00:00")]
    [InlineData("""{"Title": "Ærø — “quotes” 😀", "OccurredAt": "2017-05-24T21:00:00+00:00"}""", "2026-12-02T12:31:42+00:00")]
    [InlineData("""[1, {"OccurredAt": "2017-05-24T21:00:00Z"}]""", "2026-12-02T12:31:42+00:00")]
    public async Task Leaves_are_recomputed_in_the_browser_as_the_service_encodes_them(string body, string recordedAt)
    {
        // A pack of one event among other leaves, built and signed here by the C# chain code, with its times and body as given.
        using var ecdsa = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        using var noteKey = Key.Create(SignatureAlgorithm.Ed25519);
        var e = new LedgerEvent(7, Guid.NewGuid(), "partner/US-FBI", 3, "sharing_suspended", DateTimeOffset.Parse(recordedAt, System.Globalization.CultureInfo.InvariantCulture), body);
        var leaves = Enumerable.Range(0, 11).Select(i => System.Security.Cryptography.SHA256.HashData([(byte)i])).ToList();
        leaves[6] = LeafEncoding.LeafHash(e);
        var root = Merkle.Root(leaves);
        var signed = CheckpointSignature.Sign(ecdsa, 12, Hex.Of(root), DateTimeOffset.UtcNow);
        var checkpoint = JsonSerializer.SerializeToNode(signed, Web)!.AsObject();
        checkpoint["size"] = leaves.Count;
        checkpoint["note"] = CheckpointNote.Sign(noteKey, AuditFixture.Origin, CheckpointNote.Text(AuditFixture.Origin, leaves.Count, root));
        checkpoint["verifierKey"] = CheckpointNote.VerifierKey(AuditFixture.Origin, noteKey.PublicKey);
        var pack = new JsonObject
        {
            ["kind"] = "partner",
            ["id"] = "US-FBI",
            ["checkpoint"] = checkpoint,
            ["leafEncoding"] = LeafEncoding.Name,
            ["events"] = new JsonArray(new JsonObject
            {
                ["sequence"] = e.Sequence,
                ["streamKey"] = e.StreamKey,
                ["version"] = e.Version,
                ["type"] = e.Type,
                ["recordedAt"] = recordedAt,
                ["data"] = JsonNode.Parse(body),
                ["rawData"] = body,
                ["leafHash"] = Hex.Of(leaves[6]),
                ["path"] = JsonSerializer.SerializeToNode(Merkle.InclusionPath(leaves, 6), Web),
            }),
        };

        foreach (var key in new[] { (string)checkpoint["verifierKey"]!, signed.PublicKey })
        {
            var result = await VerdictAsync(pack, key, [], 0);
            Assert.True(result.GetProperty("ok").GetBoolean(), result.GetRawText());
            Assert.Equal(1, result.GetProperty("verified").GetInt32());
        }
    }

    /// <summary>
    /// The browser's verdict, after checking that OfflineCheck.Pack and auditctl verify-pack give the same one, and
    /// that the browser names the first failure of the C# check (an event's sequence appears in it).
    /// </summary>
    private async Task<JsonElement> VerdictAsync(JsonNode pack, string key, IReadOnlyList<TrustedWitness> witnesses, int threshold)
    {
        var result = await BrowserAsync(pack, [key], witnesses, threshold);
        var ok = result.GetProperty("ok").GetBoolean();

        using var document = JsonDocument.Parse(pack.ToJsonString());
        var offline = OfflineCheck.Pack(document.RootElement, key, witnesses, threshold);
        Assert.True(ok == offline is null, $"browser ok={ok}, OfflineCheck: {offline ?? "verified"}");

        var file = new FileInfo(Path.Combine(witness.State, $"pack-{Guid.NewGuid():N}.json"));
        await File.WriteAllTextAsync(file.FullName, pack.ToJsonString());
        var output = new StringWriter();
        var exit = Cli.VerifyPack(file, key, output, [.. witnesses.Select(w => $"{w.Name}={w.VerifierKey}")], threshold);
        Assert.True(exit == (ok ? Cli.Ok : Cli.Tampered), $"browser ok={ok}, auditctl verify-pack exit {exit}: {output}");

        if (offline is not null && offline.StartsWith("event ", StringComparison.Ordinal))
        {
            var sequence = long.Parse(offline["event ".Length..offline.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains(sequence, Failures(result).Select(f => f.Sequence));
        }

        return result;
    }

    private async Task<JsonElement> BrowserAsync(JsonNode pack, string[] keys, IReadOnlyList<TrustedWitness> witnesses, int threshold) =>
        await page.EvaluateAsync<JsonElement>(Verify, new object[]
        {
            pack.ToJsonString(),
            new { checkpointKeys = keys, witnesses = witnesses.Select(w => w.VerifierKey).ToArray(), threshold },
        });

    /// <summary>A partner registered, suspended and restored, a checkpoint over it cosigned by the witness, and its evidence pack.</summary>
    private async Task<JsonNode> WitnessedPackAsync(string partner)
    {
        var compliance = audit.ClientFor(Roles.Compliance);
        await fixture.RegisterAsync(partner);
        await fixture.SuspendAsync(partner, new DateTimeOffset(2017, 5, 25, 9, 0, 0, TimeSpan.Zero));
        await EventsAsync(compliance, partner, 2);
        await fixture.RestoreAsync(partner, new DateTimeOffset(2017, 6, 1, 12, 30, 0, TimeSpan.FromHours(1)));
        await EventsAsync(compliance, partner, 3);
        await fixture.CheckpointAsync();
        var rounds = audit.Services.GetRequiredService<WitnessRounds>();
        var answer = await fixture.WitnessedAsync(rounds, witnessName);
        Assert.True(answer.Cosigned, answer.Detail);
        var pack = JsonNode.Parse(await compliance.GetStringAsync($"/audit/evidence/partner/{partner}"))!;
        Assert.Contains($"{CheckpointNote.SignaturePrefix}{witnessName} ", (string)pack["checkpoint"]!["note"]!, StringComparison.Ordinal);
        return pack;
    }

    private static Task<bool> EventsAsync(HttpClient compliance, string partner, int count) => Eventually.TrueAsync(
        async () => (await compliance.GetFromJsonAsync<JsonElement>($"/audit/events?streamKind=partner&streamId={partner}")).GetProperty("events").GetArrayLength() == count,
        $"{count} events of {partner} in the ledger");

    private static JsonNode Event(JsonNode pack, long sequence) => pack["events"]!.AsArray().Single(e => (long)e!["sequence"]! == sequence)!;

    private static List<(long? Sequence, string Reason)> Failures(JsonElement result) =>
        [.. result.GetProperty("failures").EnumerateArray().Select(f => (
            f.GetProperty("sequence").ValueKind == JsonValueKind.Number ? f.GetProperty("sequence").GetInt64() : (long?)null,
            f.GetProperty("reason").GetString()!))];

    /// <summary>The hex hash with its first digit changed.</summary>
    private static string Flip(string hash) => (hash[0] == '0' ? "1" : "0") + hash[1..];

    private static TrustedWitness Stranger()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        return new TrustedWitness("witness.other.example/w1", Cosignature.VerifierKey("witness.other.example/w1", key.PublicKey));
    }
}
