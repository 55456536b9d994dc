extern alias ctl;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Testing;
using Npgsql;
using Cli = ctl::AuditPlatform.AuditCtl.Cli;
using ProgressOutput = ctl::AuditPlatform.AuditCtl.ProgressOutput;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>Checkpoints signed by the running Audit are C2SP signed notes that verify with the verifier key alone.</summary>
public sealed class CheckpointNoteTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    [Fact]
    public async Task The_latest_checkpoint_is_a_note_that_verifies_with_only_its_verifier_key()
    {
        var latest = await LatestAsync(["N-1", "N-2", "N-3"]);
        var note = latest.GetProperty("note").GetString()!;
        Assert.Equal(fixture.VerifierKey, latest.GetProperty("verifierKey").GetString());

        var body = CheckpointNote.Verify(note, fixture.VerifierKey);
        Assert.NotNull(body);
        Assert.Equal(AuditFixture.Origin, body.Origin);
        Assert.Equal(latest.GetProperty("size").GetInt64(), body.Size);
        Assert.Equal(latest.GetProperty("root").GetString(), Hex.Of(body.Root));
        Assert.StartsWith($"{AuditFixture.Origin}\n{body.Size}\n{Convert.ToBase64String(body.Root)}\n\n\u2014 {AuditFixture.Origin} ", note, StringComparison.Ordinal);
        Assert.Null(CheckpointNote.Verify(note.Replace($"\n{body.Size}\n", $"\n{body.Size + 1}\n", StringComparison.Ordinal), fixture.VerifierKey));

        // The sequence beside the note is the global sequence of the tree's last leaf.
        Assert.Equal(latest.GetProperty("sequence").GetInt64(), await ScalarAsync($"select sequence from audit.chain where position = {body.Size}"));

        // The ledger event carries the note as signed, so the forwarded CheckpointSigned does too.
        Assert.Equal(note, await ScalarAsync($"select data->>'Note' from ledger.mt_events where type = 'checkpoint_signed' and stream_id = 'checkpoint/{latest.GetProperty("sequence").GetInt64()}'"));
    }

    [Fact]
    public async Task Proofs_evidence_packs_and_auditctl_verify_with_the_verifier_key()
    {
        await LatestAsync(["N-4", "N-5"]);
        var proof = await GetAsync("/audit/proof/2");
        Assert.Null(OfflineCheck.Proof(proof, fixture.VerifierKey));
        Assert.Null(OfflineCheck.Proof(proof, fixture.PublicKey));
        using var stranger = NSec.Cryptography.Key.Create(NSec.Cryptography.SignatureAlgorithm.Ed25519);
        Assert.NotNull(OfflineCheck.Proof(proof, CheckpointNote.VerifierKey(AuditFixture.Origin, stranger.PublicKey)));

        var output = new StringWriter();
        Assert.Equal(Cli.Ok, await Cli.CheckpointAsync(fixture.Compliance, fixture.VerifierKey, output, CancellationToken.None));
        Assert.Contains("VERIFIED: events up to", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(Cli.Ok, await Cli.ProofAsync(fixture.Compliance, 2, fixture.VerifierKey, output, CancellationToken.None));
        Assert.Equal(Cli.Tampered, await Cli.CheckpointAsync(fixture.Compliance, fixture.VerifierKey.Replace(AuditFixture.Origin, "elsewhere.example/ledger", StringComparison.Ordinal), output, CancellationToken.None));

        var pack = await GetAsync("/audit/evidence/partner/N-4");
        Assert.NotNull(pack.GetProperty("checkpoint").GetProperty("note").GetString());
        Assert.Null(OfflineCheck.Pack(pack, fixture.VerifierKey));
    }

    [Fact]
    public async Task A_checkpoint_signed_before_notes_still_verifies_with_its_ECDSA_key()
    {
        var latest = await LatestAsync(["N-6"]);
        var sequence = latest.GetProperty("sequence").GetInt64();

        // What a row written before signed notes holds: the ECDSA signature alone.
        await fixture.ExecuteAsync($"update audit.checkpoints set note = null, verifier_key = null where sequence = {sequence}");
        var old = await GetAsync("/audit/checkpoints/latest");
        Assert.Equal(sequence, old.GetProperty("sequence").GetInt64());
        Assert.False(old.TryGetProperty("note", out _));

        var proof = await GetAsync("/audit/proof/1");
        Assert.Null(OfflineCheck.Proof(proof, fixture.PublicKey));
        Assert.NotNull(OfflineCheck.Proof(proof, fixture.VerifierKey));
        var output = new StringWriter();
        Assert.Equal(Cli.Ok, await Cli.CheckpointAsync(fixture.Compliance, fixture.PublicKey, output, CancellationToken.None));
        Assert.Contains("VERIFIED (ECDSA, before notes)", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(Cli.Ok, await Cli.VerifyAsync(fixture.Compliance, null, null, output, ProgressOutput.Silent, CancellationToken.None));
        Assert.True((await GetAsync("/audit/verify")).GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task The_Python_verifier_of_the_documentation_accepts_the_services_note_and_refuses_a_tampered_one()
    {
        // The verifier needs python3 and its cryptography package, which deploy/local/test.sh installs.
        Assert.True(await PythonWithCryptographyAsync(), "python3 with the cryptography package is needed (apt-get install python3-cryptography; deploy/local/test.sh installs it)");

        var latest = await LatestAsync(["N-7"]);
        var note = latest.GetProperty("note").GetString()!;
        var script = Path.Combine(Path.GetTempPath(), $"verify_note_{Guid.NewGuid():N}.py");
        var doc = await File.ReadAllTextAsync(PlatformFixture.RepositoryFile("docs/services/audit.md"));
        await File.WriteAllTextAsync(script, doc.Split("<!-- checkpoint-note-verifier -->\n```python\n")[1].Split("```")[0]);
        try
        {
            var (code, output) = await RunAsync("python3", [script, fixture.VerifierKey], note);
            Assert.True(code == 0, output);
            Assert.Contains($"VERIFIED: {AuditFixture.Origin} size {latest.GetProperty("size").GetInt64()} root {latest.GetProperty("root").GetString()}", output, StringComparison.Ordinal);

            var size = latest.GetProperty("size").GetInt64();
            var tampered = note.Replace($"\n{size}\n", $"\n{size + 1}\n", StringComparison.Ordinal);
            (code, output) = await RunAsync("python3", [script, fixture.VerifierKey], tampered);
            Assert.True(code == 1, output);
            Assert.StartsWith("NOT VERIFIED", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(script);
        }
    }

    private async Task<JsonElement> LatestAsync(string[] partners)
    {
        foreach (var partner in partners)
        {
            await fixture.RegisterAsync(partner);
        }

        await fixture.CheckpointAsync();
        return await GetAsync("/audit/checkpoints/latest");
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        var response = await fixture.Compliance.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<bool> PythonWithCryptographyAsync()
    {
        try
        {
            return (await RunAsync("python3", ["-c", "import cryptography"], string.Empty)).Code == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] arguments, string input)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, output + error);
    }
}
