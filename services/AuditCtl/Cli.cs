using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Audit.Chain;

namespace AuditPlatform.AuditCtl;

/// <summary>The commands of <c>auditctl</c>. Exit codes: 0 verified / done, 2 tampered or not proven, 1 error.</summary>
public static class Cli
{
    public const int Ok = 0;
    public const int Error = 1;
    public const int Tampered = 2;

    private static readonly string[] FilterNames = ["streamKind", "streamId", "partner", "type", "from", "to", "asOf", "after", "limit"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static RootCommand Build()
    {
        var url = new Option<string?>("--url") { Description = "The Audit service (default $AUDIT_URL or http://127.0.0.1:5104)", Recursive = true };
        var token = new Option<string?>("--token") { Description = "A compliance token (default $AUDIT_TOKEN)", Recursive = true };
        var progress = new Option<ProgressStyle>("--progress")
        {
            Description = "Progress of long work (export, verify) on stderr: Auto is a bar on a terminal and a line every 5 s in a file or pipe; Bar, Lines or None (the closing figure only)",
            Recursive = true,
        };
        var root = new RootCommand(Described(
            "auditctl: ask the Audit service what the ledger knew, and prove it was not changed. Exit codes: 0 verified or done, 2 tampered or not proven, 1 error.",
            "auditctl verify --url http://127.0.0.1:5104 --token \"$AUDIT_TOKEN\"")) { url, token, progress };
        // Named here, not by the host: help reads "auditctl" whether it runs installed, from the build or inside a test.
        root.HelpName = "auditctl";

        HttpClient Client(ParseResult r) => CreateClient(r.GetValue(url), r.GetValue(token));
        ProgressOutput Progress(ParseResult r) => ProgressOutput.StandardError(r.GetValue(progress));

        var kind = new Argument<string>("kind") { Description = "partner, disclosure, breach, case or intelligence" };
        var id = new Argument<string>("id");
        var asOf = new Option<string?>("--as-of") { Description = "Recorded time (RFC 3339): the state as the ledger knew it then (default now)" };
        var until = new Option<string?>("--until") { Description = "World time (RFC 3339): only what had happened by then, by the events' occurredAt" };
        var timeline = new Command("timeline", Described(
            "A stream's state and events: what the ledger knew at --as-of about what had happened by --until.",
            "auditctl timeline disclosure 6b1f3a52-0000-4000-8000-000000000002 --until 2017-05-24T18:00:00Z")) { kind, id, asOf, until };
        timeline.SetAction((r, ct) => PrintAsync(Client(r),
            $"/audit/timeline/{r.GetValue(kind)}/{Uri.EscapeDataString(r.GetValue(id)!)}{Query(("asOf", r.GetValue(asOf)), ("until", r.GetValue(until)))}", Console.Out, Console.Error, ct));
        root.Subcommands.Add(timeline);

        var filters = FilterNames.Select(n => new Option<string?>("--" + n) { Description = FilterDescription(n) }).ToArray();
        string Filters(ParseResult r) => Query(filters.Select(f => (f.Name.TrimStart('-'), r.GetValue(f))).ToArray());
        var events = new Command("events", Described("Ledger events by filter (one page; follow 'next' with --after).", "auditctl events --partner US-FBI --to 2017-05-24T18:00:00Z --limit 20"));
        foreach (var f in filters)
        {
            events.Options.Add(f);
        }

        events.SetAction((r, ct) => PrintAsync(Client(r), "/audit/events" + Filters(r), Console.Out, Console.Error, ct));
        root.Subcommands.Add(events);

        var disclosure = new Argument<string>("disclosureId");
        var at = new Option<string?>("--at") { Description = "World time (RFC 3339, default now)" };
        var exposure = new Command("exposure", Described("Who held a disclosure at a world time.", "auditctl exposure 6b1f3a52-0000-4000-8000-000000000002 --at 2017-05-24T18:00:00Z")) { disclosure, at };
        exposure.SetAction((r, ct) => PrintAsync(Client(r), $"/audit/exposure/{r.GetValue(disclosure)}{Query(("at", r.GetValue(at)))}", Console.Out, Console.Error, ct));
        root.Subcommands.Add(exposure);

        var format = new Option<string>("--format") { Description = "ndjson or csv", DefaultValueFactory = _ => "ndjson" };
        var output = new Option<FileInfo>("--out") { Description = "The file to write", Required = true };
        var export = new Command("export", Described("The filtered ledger to a file, streamed, with progress on stderr.", "auditctl export --format csv --out ledger.csv --streamKind disclosure")) { format, output };
        foreach (var f in filters.Where(f => f.Name is not "--limit" and not "--after"))
        {
            export.Options.Add(f);
        }

        export.SetAction((r, ct) => ExportAsync(Client(r), $"/audit/export?format={r.GetValue(format)}&{Filters(r).TrimStart('?')}", r.GetValue(output)!, Progress(r), ct));
        root.Subcommands.Add(export);

        var from = new Option<long?>("--from") { Description = "The first ledger sequence to check (default 1)" };
        var to = new Option<long?>("--to") { Description = "The last ledger sequence to check (default the chain's end)" };
        var verify = new Command("verify", Described("Recompute the chain from the raw ledger: exit 0 verified, 2 tampered, 1 error.", "auditctl verify --from 1 --to 5000")) { from, to };
        verify.SetAction((r, ct) => VerifyAsync(Client(r), r.GetValue(from), r.GetValue(to), Console.Out, Progress(r), ct));
        root.Subcommands.Add(verify);

        var sequence = new Argument<long>("sequence");
        var key = new Option<string?>("--public-key")
        {
            Description = "The key you trust: the note verifier key (<name>+<key ID>+<key>, /audit/checkpoints/latest's verifierKey), or for a " +
                "checkpoint from before notes, the base64 ECDSA public key (default: the checkpoint's own)",
        };
        var proof = new Command("proof", Described("Fetch an inclusion proof and check it here, with SHA-256 and the public key.", "auditctl proof 3 --public-key \"$VKEY\"")) { sequence, key };
        proof.SetAction((r, ct) => ProofAsync(Client(r), r.GetValue(sequence), r.GetValue(key), Console.Out, ct));
        root.Subcommands.Add(proof);

        var checkpoint = new Command("checkpoint", Described("Fetch the latest checkpoint, check its signed note here and print it: exit 0 verified, 2 not.", "auditctl checkpoint --public-key \"$VKEY\"")) { key };
        checkpoint.SetAction((r, ct) => CheckpointAsync(Client(r), r.GetValue(key), Console.Out, ct));
        root.Subcommands.Add(checkpoint);

        var file = new Argument<FileInfo>("file");
        var witness = new Option<string[]>("--witness")
        {
            Description = "A witness you trust, NAME=KEY (KEY its cosignature verifier key, or the base64 of its Ed25519 public key); repeat it for each",
            AllowMultipleArgumentsPerToken = false,
        };
        var threshold = new Option<int?>("--threshold") { Description = "How many of the --witness witnesses must have cosigned the pack's checkpoint (default: all of them)" };
        var pack = new Command("verify-pack", Described(
            "Check an evidence pack offline, and that enough witnesses cosigned its checkpoint: exit 0 verified, 2 not.",
            "auditctl verify-pack photos.pack.json --public-key \"$VKEY\" --witness witness.us-fbi.example/w1=\"$FBI_WITNESS_KEY\" --threshold 1"))
        {
            file, key, witness, threshold,
        };
        pack.SetAction(r => VerifyPack(r.GetValue(file)!, r.GetValue(key), Console.Out, r.GetValue(witness) ?? [], r.GetValue(threshold)));
        root.Subcommands.Add(pack);
        return root;
    }

    public static HttpClient CreateClient(string? url, string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(url ?? Environment.GetEnvironmentVariable("AUDIT_URL") ?? "http://127.0.0.1:5104"), Timeout = Timeout.InfiniteTimeSpan };
        var bearer = token ?? Environment.GetEnvironmentVariable("AUDIT_TOKEN");
        if (!string.IsNullOrWhiteSpace(bearer))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer.Trim());
        }

        return client;
    }

    public static async Task<int> PrintAsync(HttpClient client, string path, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var response = await client.GetAsync(path, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return await RefusedAsync(response, errors, cancellationToken);
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        await output.WriteLineAsync(JsonSerializer.Serialize(JsonDocument.Parse(body).RootElement, Indented));
        return Ok;
    }

    /// <summary>A refused request in one line, and the error exit code.</summary>
    public static async Task<int> RefusedAsync(HttpResponseMessage response, TextWriter writer, CancellationToken cancellationToken)
    {
        await writer.WriteLineAsync(Refusal((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken)));
        return Error;
    }

    /// <summary>
    /// What a refusal says, read from its problem details: the status, the problem's name, its detail (or title) and each
    /// field at fault, e.g. <c>error: 404 not-found: There is no partner 'US-NSA'.</c>; a body that is not problem
    /// details is shown as it came.
    /// </summary>
    public static string Refusal(int status, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var problem = document.RootElement;
            if (problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("title", out var title))
            {
                var name = problem.TryGetProperty("type", out var type) && type.GetString() is { } uri ? " " + uri[(uri.LastIndexOf('/') + 1)..] : string.Empty;
                var text = problem.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 } said ? said : title.GetString();
                var fields = problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
                    ? " (" + string.Join("; ", errors.EnumerateObject().Select(f => $"{f.Name}: {string.Join(" and ", f.Value.EnumerateArray().Select(m => m.GetString()))}")) + ")"
                    : string.Empty;
                return $"error: {status}{name}: {text}{fields}";
            }
        }
        catch (JsonException)
        {
            // Not JSON: shown as it came.
        }

        return $"error: {status} {body}";
    }

    public static async Task<int> ExportAsync(HttpClient client, string path, FileInfo file, ProgressOutput progress, CancellationToken cancellationToken)
    {
        long bytes = 0, lines = 0, header = 0;
        using var display = progress.Start(elapsed =>
        {
            var (b, events) = (Interlocked.Read(ref bytes), Math.Max(0, Interlocked.Read(ref lines) - header));
            return $"exporting: {events:N0} events, {ProgressDisplay.Size(b)}, {ProgressDisplay.Size(ProgressDisplay.PerSecond(b, elapsed))}/s, {ProgressDisplay.Clock(elapsed)}";
        });
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            display.Stop();
            return await RefusedAsync(response, progress.Writer, cancellationToken);
        }

        // CSV starts with a header line; NDJSON is one event a line (neither format breaks a line inside an event).
        header = response.Content.Headers.ContentType?.MediaType == "text/csv" ? 1 : 0;
        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var target = file.Create();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            Interlocked.Add(ref bytes, read);
            Interlocked.Add(ref lines, buffer.AsSpan(0, read).Count((byte)'\n'));
        }

        var elapsed = display.Elapsed;
        var events = Math.Max(0, lines - header);
        display.Finish($"exported {events:N0} events, {ProgressDisplay.Size(bytes)} to {file.FullName} in {elapsed.TotalSeconds:N1} s " +
            $"({ProgressDisplay.PerSecond(events, elapsed):N0} events/s, {ProgressDisplay.Size(ProgressDisplay.PerSecond(bytes, elapsed))}/s)");
        return Ok;
    }

    /// <summary>
    /// Verification is one request that answers when the server has recomputed the whole range, so while it runs the
    /// progress shows the time taken, and at the end how many events were checked and how fast.
    /// </summary>
    public static async Task<int> VerifyAsync(HttpClient client, long? from, long? to, TextWriter output, ProgressOutput progress, CancellationToken cancellationToken)
    {
        using var display = progress.Start(elapsed => $"verifying on the server: {ProgressDisplay.Clock(elapsed)}");
        using var response = await client.GetAsync("/audit/verify" + Query(("from", from?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("to", to?.ToString(System.Globalization.CultureInfo.InvariantCulture))), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            display.Stop();
            return await RefusedAsync(response, output, cancellationToken);
        }

        var verdict = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var checkedCount = verdict.GetProperty("checked").GetInt64();
        var elapsed = display.Elapsed;
        display.Finish($"checked {checkedCount:N0} events in {elapsed.TotalSeconds:N1} s ({ProgressDisplay.PerSecond(checkedCount, elapsed):N0} events/s)");
        var checkpoint = verdict.TryGetProperty("checkpoint", out var c) && c.ValueKind == JsonValueKind.Object
            ? $"latest checkpoint {c.GetProperty("sequence").GetInt64()} root {c.GetProperty("root").GetString()} signed {c.GetProperty("signedAt").GetString()}"
            : "no checkpoint yet";
        if (verdict.GetProperty("verified").GetBoolean())
        {
            await output.WriteLineAsync($"VERIFIED: {checkedCount} events match the chain; {checkpoint}");
            return Ok;
        }

        var failure = verdict.GetProperty("firstFailure");
        await output.WriteLineAsync($"TAMPERED: event {failure.GetProperty("sequence").GetInt64()} is {failure.GetProperty("reason").GetString()} ({checkedCount} events matched before it); {checkpoint}");
        return Tampered;
    }

    public static async Task<int> ProofAsync(HttpClient client, long sequence, string? publicKey, TextWriter output, CancellationToken cancellationToken)
    {
        var response = await client.GetAsync($"/audit/proof/{sequence}", cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return await RefusedAsync(response, output, cancellationToken);
        }

        var proof = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var failure = OfflineCheck.Proof(proof, publicKey);
        var root = proof.GetProperty("checkpoint").GetProperty("root").GetString();
        await output.WriteLineAsync(failure is null
            ? $"PROVEN: event {sequence} is in the signed checkpoint {proof.GetProperty("checkpoint").GetProperty("sequence").GetInt64()} (root {root})"
            : $"NOT PROVEN: event {sequence}: {failure}");
        return failure is null ? Ok : Tampered;
    }

    /// <summary>The latest checkpoint, verified with the trusted key (a note verifier key, or an ECDSA key for an older one).</summary>
    public static async Task<int> CheckpointAsync(HttpClient client, string? trustedKey, TextWriter output, CancellationToken cancellationToken)
    {
        var response = await client.GetAsync("/audit/checkpoints/latest", cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return await RefusedAsync(response, output, cancellationToken);
        }

        var checkpoint = OfflineCheck.Checkpoint(await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken));
        if (!CheckpointSignature.Verify(checkpoint, trustedKey))
        {
            await output.WriteLineAsync($"NOT VERIFIED: the checkpoint of event {checkpoint.Sequence} is not signed by {trustedKey ?? "its own key"}");
            return Tampered;
        }

        await output.WriteLineAsync(checkpoint.Note is null
            ? $"VERIFIED (ECDSA, before notes): events up to {checkpoint.Sequence}, root {checkpoint.Root}"
            : $"VERIFIED: events up to {checkpoint.Sequence}, verifier key {checkpoint.VerifierKey}\n{checkpoint.Note}");
        return Ok;
    }

    public static int VerifyPack(FileInfo file, string? publicKey, TextWriter output, IReadOnlyList<string>? witnesses = null, int? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(output);
        var trusted = new List<TrustedWitness>();
        foreach (var given in witnesses ?? [])
        {
            if (TrustedWitnessOf(given) is not { } parsed)
            {
                output.WriteLine($"error: --witness {given} is not NAME=KEY with KEY a cosignature verifier key of NAME or a base64 Ed25519 public key");
                return Error;
            }

            trusted.Add(parsed);
        }

        var required = threshold ?? trusted.Count;
        if (required < 0 || required > trusted.Count)
        {
            output.WriteLine($"error: --threshold {required} asks for more witnesses than the {trusted.Count} given with --witness");
            return Error;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file.FullName));
            var failure = OfflineCheck.Pack(document.RootElement, publicKey, trusted, required);
            var count = document.RootElement.GetProperty("events").GetArrayLength();
            var checkpoint = OfflineCheck.Checkpoint(document.RootElement.GetProperty("checkpoint"));
            var note = checkpoint.Note;
            if (failure is null && count == 0)
            {
                // A signed checkpoint over none of the entity's events proves nothing about it: not a verdict.
                var root = document.RootElement;
                output.WriteLine($"NOTHING VERIFIED: the pack holds no events of {root.GetProperty("kind").GetString()} {root.GetProperty("id").GetString()}: " +
                    $"none recorded as of {root.GetProperty("asOf").GetString()} is under its checkpoint (event {checkpoint.Sequence}). Ask for the pack again after the next checkpoint.");
                return Error;
            }

            var cosigned = trusted.Count == 0 || note is null ? string.Empty
                : $", cosigned by {Cosignature.CosignedBy(note, trusted).Count} of {trusted.Count} trusted witnesses ({required} required)";
            output.WriteLine(failure is null ? $"VERIFIED: {(count == 1 ? "the 1 event of the pack is" : $"{count} events of the pack are")} in the signed checkpoint{cosigned}" : $"NOT VERIFIED: {failure}");
            return failure is null ? Ok : Tampered;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException or FormatException)
        {
            output.WriteLine($"error: {e.Message}");
            return Error;
        }
    }

    /// <summary>A <c>--witness NAME=KEY</c>: KEY is the witness's cosignature verifier key (naming NAME) or its raw public key in base64.</summary>
    public static TrustedWitness? TrustedWitnessOf(string given)
    {
        ArgumentNullException.ThrowIfNull(given);
        var equals = given.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return null;
        }

        var (name, key) = (given[..equals], given[(equals + 1)..]);
        if (Cosignature.IsVerifierKey(key))
        {
            return string.Equals(Cosignature.NameOf(key), name, StringComparison.Ordinal) ? new TrustedWitness(name, key) : null;
        }

        var raw = new byte[64];
        if (!CheckpointNote.IsKeyName(name) || !Convert.TryFromBase64String(key, raw, out var written) || written != 32
            || !NSec.Cryptography.PublicKey.TryImport(NSec.Cryptography.SignatureAlgorithm.Ed25519, raw.AsSpan(0, 32), NSec.Cryptography.KeyBlobFormat.RawPublicKey, out var publicKey)
            || publicKey is null)
        {
            return null;
        }

        return new TrustedWitness(name, Cosignature.VerifierKey(name, publicKey));
    }

    /// <summary>A command's description with an example of its use, which its help and the root's list of commands show.</summary>
    private static string Described(string description, string example) => $"{description}\nExample: {example}";

    private static string FilterDescription(string name) => name switch
    {
        "from" or "to" => $"The {name} filter of /audit/events: world time (the events' occurredAt), RFC 3339",
        "asOf" => "The asOf filter of /audit/events: recorded time (what the ledger knew then), RFC 3339",
        _ => $"The {name} filter of /audit/events",
    };

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var set = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return set.Count == 0 ? string.Empty : "?" + string.Join('&', set);
    }
}
