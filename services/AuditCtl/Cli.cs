using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using AuditPlatform.Audit.Chain;

namespace AuditPlatform.AuditCtl;

/// <summary>The commands; exit codes: 0 verified, 2 tampered (or a proof that does not hold), 1 error.</summary>
public static class Cli
{
    public const int Verified = 0;
    public const int Error = 1;
    public const int Tampered = 2;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static RootCommand Root(TextWriter output, TextWriter errors)
    {
        var url = new Option<string?>("--url") { Description = "Audit base URL (default AUDIT_URL, then http://127.0.0.1:5104)" };
        var token = new Option<string?>("--token") { Description = "Bearer token (default AUDIT_TOKEN)" };
        var root = new RootCommand("auditctl: query and verify the AuditPlatform ledger") { url, token };
        url.Recursive = true;
        token.Recursive = true;

        var verify = new Command("verify", "Ask the service to recompute the chain from the raw ledger rows");
        verify.SetAction(async (parse, ct) =>
        {
            try
            {
                using var http = Client(parse.GetValue(url), parse.GetValue(token));
                using var answer = JsonDocument.Parse(await http.GetStringAsync(new Uri("audit/verify", UriKind.Relative), ct));
                var r = answer.RootElement;
                if (r.GetProperty("verified").GetBoolean())
                {
                    await output.WriteLineAsync($"VERIFIED: {r.GetProperty("checked")} events, the chain matches the ledger");
                    return Verified;
                }

                var failure = r.GetProperty("firstFailure");
                await output.WriteLineAsync($"TAMPERED: first failure at sequence {failure.GetProperty("sequence")}: {failure.GetProperty("reason").GetString()}");
                return Tampered;
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                await errors.WriteLineAsync($"error: {e.Message}");
                return Error;
            }
        });

        var sequence = new Argument<long>("sequence") { Description = "The event's global sequence" };
        var proof = new Command("proof", "Fetch an inclusion proof and check it here against the signed checkpoint") { sequence };
        proof.SetAction(async (parse, ct) =>
        {
            try
            {
                using var http = Client(parse.GetValue(url), parse.GetValue(token));
                var text = await http.GetStringAsync(new Uri($"audit/proof/{parse.GetValue(sequence)}", UriKind.Relative), ct);
                var p = JsonSerializer.Deserialize<InclusionProof>(text, Json) ?? throw new JsonException("empty proof");
                var holds = Hex.TryParse(p.LeafHash, out var leaf) && Hex.TryParse(p.Checkpoint.Root, out var rootHash)
                    && CheckpointSignature.Verify(p.Checkpoint) && Merkle.VerifyInclusion(leaf, p.Path, rootHash);
                await output.WriteLineAsync(holds
                    ? $"PROVEN: event {p.Sequence} is in checkpoint {p.Checkpoint.Sequence} (root {p.Checkpoint.Root}, signature valid)"
                    : $"NOT PROVEN: the proof for event {p.Sequence} does not reach the signed root");
                return holds ? Verified : Tampered;
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException)
            {
                await errors.WriteLineAsync($"error: {e.Message}");
                return Error;
            }
        });

        var file = new Argument<FileInfo>("file") { Description = "An evidence pack from /audit/evidence" };
        var verifyPack = new Command("verify-pack", "Check an evidence pack offline: signature, every leaf hash and path") { file };
        verifyPack.SetAction(async (parse, ct) =>
        {
            try
            {
                await using var stream = parse.GetRequiredValue(file).OpenRead();
                var pack = await JsonSerializer.DeserializeAsync<EvidencePack>(stream, Json, ct) ?? throw new JsonException("empty pack");
                var verdict = EvidencePacks.Check(pack);
                await output.WriteLineAsync(verdict ?? $"VERIFIED: {pack.Events.Count} events of {pack.Kind}/{pack.Id} are in signed checkpoint {pack.Checkpoint.Sequence}");
                return verdict is null ? Verified : Tampered;
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                await errors.WriteLineAsync($"error: {e.Message}");
                return Error;
            }
        });

        root.Subcommands.Add(verify);
        root.Subcommands.Add(proof);
        root.Subcommands.Add(verifyPack);
        return root;
    }

    private static HttpClient Client(string? url, string? token)
    {
        var http = new HttpClient { BaseAddress = new Uri((url ?? Environment.GetEnvironmentVariable("AUDIT_URL") ?? "http://127.0.0.1:5104").TrimEnd('/') + "/") };
        var bearer = token ?? Environment.GetEnvironmentVariable("AUDIT_TOKEN");
        if (!string.IsNullOrWhiteSpace(bearer))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer.Trim());
        }

        return http;
    }
}
