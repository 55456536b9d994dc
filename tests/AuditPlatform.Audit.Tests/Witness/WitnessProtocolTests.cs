extern alias witness;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using AuditPlatform.Audit.Chain;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NSec.Cryptography;
using WitnessApp = witness::AuditPlatform.Witness.WitnessApp;
using WitnessedLog = witness::AuditPlatform.Witness.WitnessedLog;
using WitnessLog = witness::AuditPlatform.Witness.WitnessLog;
using WitnessOptions = witness::AuditPlatform.Witness.WitnessOptions;

namespace AuditPlatform.Audit.Tests.Witness;

/// <summary>
/// The witness against C2SP tlog-witness <c>add-checkpoint</c>: what it cosigns, what it refuses with which status,
/// that its state survives a restart, and that racing requests cannot roll it back. Trees are built here from random
/// leaves with the RFC 6962 code the Audit service signs with.
/// </summary>
public sealed class WitnessProtocolTests : IDisposable
{
    private const string Origin = "tests.example/ledger";
    private const string Name = "witness.tests.example/w1";

    private readonly string state = Directory.CreateTempSubdirectory("witness-").FullName;
    private readonly Key logKey = Key.Create(SignatureAlgorithm.Ed25519);
    private readonly Key witnessKey = Key.Create(SignatureAlgorithm.Ed25519, new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly List<byte[]> leaves = [.. Enumerable.Range(0, 40).Select(_ => Merkle.LeafHash(RandomNumberGenerator.GetBytes(16)))];

    private string LogVerifierKey => CheckpointNote.VerifierKey(Origin, logKey.PublicKey);

    private string WitnessVerifierKey => Cosignature.VerifierKey(Name, witnessKey.PublicKey);

    [Fact]
    public async Task It_cosigns_a_first_checkpoint_then_only_extensions_proven_consistent_from_the_last()
    {
        using var log = Witness();
        var first = await log.AddAsync(Request(0, 10), CancellationToken.None);
        Assert.Equal(200, first.Status);
        Assert.Equal(clock.GetUtcNow(), Cosignature.Verify(Note(10) + first.Body, WitnessVerifierKey));

        clock.Advance(TimeSpan.FromMinutes(1));
        var second = await log.AddAsync(Request(10, 23), CancellationToken.None);
        Assert.Equal(200, second.Status);
        Assert.Equal(clock.GetUtcNow(), Cosignature.Verify(Note(23) + second.Body, WitnessVerifierKey));

        // The same checkpoint again (old size = its size, empty proof) is cosigned again: nothing is rolled back.
        Assert.Equal(200, (await log.AddAsync(Request(23, 23), CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_stale_old_size_is_409_with_the_size_the_witness_holds()
    {
        using var log = Witness();
        Assert.Equal(200, (await log.AddAsync(Request(0, 16), CancellationToken.None)).Status);
        var stale = await log.AddAsync(Request(10, 30), CancellationToken.None);
        Assert.Equal(409, stale.Status);
        Assert.Equal("text/x.tlog.size", stale.ContentType);
        Assert.Equal("16\n", stale.Body);
        Assert.Equal(409, (await log.AddAsync(Request(0, 30), CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_fork_is_refused_another_root_for_a_cosigned_size_is_409_and_a_rewritten_prefix_is_422()
    {
        using var log = Witness();
        Assert.Equal(200, (await log.AddAsync(Request(0, 20), CancellationToken.None)).Status);

        // A rewritten history: leaf 5 changed, every root from then on differs.
        var rewritten = leaves.ToList();
        rewritten[5] = Merkle.LeafHash("rewritten"u8);
        var sameSize = await log.AddAsync(Request(20, 20, rewritten), CancellationToken.None);
        Assert.Equal(409, sameSize.Status);
        Assert.StartsWith("fork:", sameSize.Body, StringComparison.Ordinal);

        var grown = await log.AddAsync(Request(20, 32, rewritten), CancellationToken.None);
        Assert.Equal(422, grown.Status);
        Assert.Contains("does not verify", grown.Body, StringComparison.Ordinal);

        // Both disputed requests are kept as evidence, and the witness still stands where it was.
        Assert.Equal(2, Directory.GetFiles(Path.Combine(state, "disputed")).Length);
        Assert.Equal(200, (await log.AddAsync(Request(20, 32), CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Unknown_logs_untrusted_signatures_and_malformed_requests_are_refused_with_the_spec_statuses()
    {
        using var log = Witness();
        using var stranger = Key.Create(SignatureAlgorithm.Ed25519);
        var unsigned = CheckpointNote.Text(Origin, 4, Merkle.Root(leaves[..4]));
        var otherOrigin = CheckpointNote.Sign(logKey, "other.example/log", CheckpointNote.Text("other.example/log", 4, Merkle.Root(leaves[..4])));
        Assert.Equal(404, (await log.AddAsync(new AddCheckpoint(0, [], otherOrigin).Format(), CancellationToken.None)).Status);
        Assert.Equal(403, (await log.AddAsync(new AddCheckpoint(0, [], CheckpointNote.Sign(stranger, Origin, unsigned)).Format(), CancellationToken.None)).Status);
        Assert.Equal(400, (await log.AddAsync(Request(5, 4), CancellationToken.None)).Status);
        Assert.Equal(400, (await log.AddAsync("old 01\n\n" + Note(4), CancellationToken.None)).Status);
        Assert.Equal(400, (await log.AddAsync("old 0\n" + Note(4), CancellationToken.None)).Status);
        // A proof where none may be (old size 0) does not verify; only that signed request is kept as evidence.
        Assert.Equal(422, (await log.AddAsync(new AddCheckpoint(0, [leaves[0]], Note(4)).Format(), CancellationToken.None)).Status);
        Assert.Single(Directory.GetFiles(Path.Combine(state, "disputed")));
    }

    [Fact]
    public async Task Racing_requests_cannot_roll_the_witnessed_size_back()
    {
        using var log = Witness();
        Assert.Equal(200, (await log.AddAsync(Request(0, 8), CancellationToken.None)).Status);
        // Every request is from size 8: exactly one can win; the rest must be told the new size (409).
        var answers = await Task.WhenAll(Enumerable.Range(9, 24).Select(size => Task.Run(() => log.AddAsync(Request(8, size), CancellationToken.None))));
        Assert.Single(answers, a => a.Status == 200);
        Assert.All(answers.Where(a => a.Status != 200), a => Assert.Equal(409, a.Status));
        var won = 9 + Array.FindIndex(answers, a => a.Status == 200);
        Assert.Equal($"{won}\n", (await log.AddAsync(Request(8, 32), CancellationToken.None)).Body);
    }

    [Fact]
    public async Task Over_HTTP_it_answers_with_the_spec_media_types_and_keeps_its_state_across_a_restart()
    {
        await using (var app = await StartAsync())
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            var cosigned = await client.PostAsync("/add-checkpoint", new StringContent(Request(0, 12), Encoding.UTF8, "text/plain"));
            Assert.Equal(HttpStatusCode.OK, cosigned.StatusCode);
            Assert.NotNull(Cosignature.Verify(Note(12) + await cosigned.Content.ReadAsStringAsync(), WitnessVerifierKey));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        }

        await using (var restarted = await StartAsync())
        {
            using var client = new HttpClient { BaseAddress = new Uri(restarted.Urls.First()) };
            var stale = await client.PostAsync("/add-checkpoint", new StringContent(Request(0, 20), Encoding.UTF8, "text/plain"));
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
            Assert.Equal("text/x.tlog.size", stale.Content.Headers.ContentType?.MediaType);
            Assert.Equal("12\n", await stale.Content.ReadAsStringAsync());
            var status = await client.GetStringAsync("/");
            Assert.Contains(WitnessVerifierKey, status, StringComparison.Ordinal);
            Assert.Contains("\"size\":12", status, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Keygen_writes_a_key_the_witness_signs_with_and_prints_its_verifier_key()
    {
        var path = Path.Combine(state, "key.pem");
        var output = new StringWriter();
        Assert.Equal(0, WitnessApp.Keygen(["--name", Name, "--out", path], output, TextWriter.Null));
        var options = new WitnessOptions { Name = Name, KeyFile = path };
        using var key = options.LoadKey();
        Assert.Equal(Cosignature.VerifierKey(Name, key.PublicKey), output.ToString().Trim());
        Assert.Equal(1, WitnessApp.Keygen(["--name", Name, "--out", path], TextWriter.Null, TextWriter.Null));
    }

    public void Dispose()
    {
        logKey.Dispose();
        witnessKey.Dispose();
        Directory.Delete(state, recursive: true);
    }

    private WitnessLog Witness() => new(Options(), clock, NullLogger<WitnessLog>.Instance);

    private WitnessOptions Options() => new()
    {
        Name = Name,
        Key = Encoding.ASCII.GetString(witnessKey.Export(KeyBlobFormat.PkixPrivateKeyText)),
        StateDirectory = state,
        Logs = [new WitnessedLog { Origin = Origin, VerifierKey = LogVerifierKey }],
    };

    private async Task<Microsoft.AspNetCore.Builder.WebApplication> StartAsync()
    {
        var app = WitnessApp.Build([], builder =>
        {
            var options = Options();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Witness:Name"] = options.Name,
                ["Witness:Key"] = options.Key,
                ["Witness:StateDirectory"] = state,
                ["Witness:Logs:0:Origin"] = Origin,
                ["Witness:Logs:0:VerifierKey"] = LogVerifierKey,
                ["Urls"] = "http://127.0.0.1:0",
            });
        });
        await app.StartAsync();
        return app;
    }

    private string Note(int size, List<byte[]>? tree = null) =>
        CheckpointNote.Sign(logKey, Origin, CheckpointNote.Text(Origin, size, Merkle.Root((tree ?? leaves)[..size])));

    private string Request(int oldSize, int size, List<byte[]>? tree = null)
    {
        var proof = oldSize == 0 || oldSize >= size ? [] : Merkle.ConsistencyProof((tree ?? leaves)[..size], oldSize);
        return new AddCheckpoint(oldSize, proof, Note(size, tree)).Format();
    }
}
