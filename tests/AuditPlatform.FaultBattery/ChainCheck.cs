using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Audit.Chain;
using Npgsql;

namespace AuditPlatform.FaultBattery;

/// <summary>An Audit checkpoint as the battery read it: the global sequence of its last leaf, its tree size and root (hex).</summary>
public sealed record CheckpointSeen(long Sequence, long Size, string Root);

/// <summary>What the hash chain and the Merkle tree showed after a fault: the table's "chain" and "proof" cells, and any failure.</summary>
public sealed record ChainOutcome(string Chain, string Proof, IReadOnlyList<string> Failures)
{
    public static readonly ChainOutcome Absent = new("n/a", "n/a", []);
}

/// <summary>
/// After each fault: <c>auditctl verify</c> recomputes the whole hash chain from the raw ledger, and an RFC 6962
/// consistency proof from the checkpoint read before the fault to one that covers everything recorded since must
/// verify here, against the two roots as the battery read them. A fault that lost, altered or reordered a chained
/// event, or made Audit sign a tree that does not extend the earlier one, fails the scenario.
/// </summary>
public sealed class ChainCheck(BatteryOptions options, Platform platform, string complianceToken)
{
    // Checkpoints and cosignatures are chained too but never make Audit sign a new checkpoint (ChainFollower).
    private const string HeadSql = "select coalesce(max(seq_id), 0) from ledger.mt_events where type not in ('checkpoint_signed', 'checkpoint_cosigned', 'witness_refused')";

    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public bool Present => platform.Has("Audit");

    private Uri Audit => platform.Of("Audit").First().BaseAddress;

    /// <summary>The latest checkpoint, waiting up to <paramref name="within"/> for the first one; null if there is none.</summary>
    public async Task<CheckpointSeen?> LatestAsync(TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            if (await ReadLatestAsync() is { } seen)
            {
                return seen;
            }

            await Task.Delay(500);
        }
        while (clock.Elapsed < within);
        return null;
    }

    /// <summary>Run once the ledger has settled: everything recorded by then must be checkpointed, chained and provable.</summary>
    public async Task<ChainOutcome> CheckAsync(CheckpointSeen? before)
    {
        if (!Present)
        {
            return ChainOutcome.Absent;
        }

        var failures = new List<string>();
        // The proof first: it waits for the checkpoint that covers the settled ledger, which verify then checks up to.
        var proof = await ProveConsistencyAsync(before, failures);
        var chain = await VerifyChainAsync(failures);
        return new ChainOutcome(chain, proof, failures);
    }

    private async Task<string> VerifyChainAsync(List<string> failures)
    {
        var auditctl = Path.Combine(options.Root, "services", "AuditCtl", "bin", "Release", "net10.0", "AuditPlatform.AuditCtl.dll");
        if (!File.Exists(auditctl))
        {
            failures.Add("auditctl is not built (services/AuditCtl, Release): the chain was not verified");
            return "not run";
        }

        var info = new ProcessStartInfo("dotnet", [auditctl, "verify", "--url", Audit.ToString().TrimEnd('/'), "--token", complianceToken, "--progress", "None"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not run auditctl");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            failures.Add("auditctl verify did not answer within 2 minutes");
            return "FAIL";
        }

        // The verdict is on stdout; stderr has only the closing progress figure, unless auditctl failed outright.
        var output = (await stdout).Trim();
        var progress = (await stderr).Trim();
        // "VERIFIED: 4210 events match the chain; latest checkpoint ..." (exit 0), "TAMPERED: event ..." (exit 2), or an error (exit 1).
        if (process.ExitCode == 0 && output.StartsWith("VERIFIED: ", StringComparison.Ordinal))
        {
            return "verified " + output["VERIFIED: ".Length..].Split(' ')[0];
        }

        failures.Add($"auditctl verify (exit {process.ExitCode}): {(output.Length > 0 ? output : progress).Split('\n').LastOrDefault(l => l.Length > 0)}");
        return "FAIL";
    }

    private async Task<string> ProveConsistencyAsync(CheckpointSeen? before, List<string> failures)
    {
        if (before is null)
        {
            failures.Add("Audit had signed no checkpoint before the fault");
            return "FAIL";
        }

        // Everything the ledger held once it settled (checkpoints aside) must be in the checkpoint the proof ends at;
        // Audit signs one every Audit:CheckpointInterval while there is news.
        long head;
        await using (var connection = new NpgsqlConnection(options.Ledger))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(HeadSql, connection);
            head = (long)(await command.ExecuteScalarAsync())!;
        }

        var after = await CoveringAsync(head, options.CheckpointInterval * 10 + TimeSpan.FromSeconds(20));
        if (after is null)
        {
            failures.Add($"no Audit checkpoint covered the ledger up to event {head} after the fault");
            return "FAIL";
        }

        if (after.Size < before.Size)
        {
            failures.Add($"the checkpoint after the fault ({after.Size} leaves) is smaller than the one before ({before.Size})");
            return "FAIL";
        }

        var range = $"{before.Size}→{after.Size}";
        if (after.Sequence == before.Sequence)
        {
            return after.Root == before.Root ? range + " (same)" : Fail($"checkpoint {after.Sequence} changed its root");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Audit, string.Create(CultureInfo.InvariantCulture, $"/audit/consistency?from={before.Sequence}&to={after.Sequence}")));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", complianceToken);
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            return Fail($"/audit/consistency from {before.Sequence} to {after.Sequence} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var path = answer.GetProperty("path").EnumerateArray().Select(h => Convert.FromHexString(h.GetString()!)).ToList();
        // Against the roots as the battery read them before and after the fault, not the ones the answer repeats.
        return Merkle.VerifyConsistency(before.Size, after.Size, Convert.FromHexString(before.Root), Convert.FromHexString(after.Root), path)
            ? range
            : Fail($"the consistency proof from checkpoint size {before.Size} to {after.Size} does not verify");

        string Fail(string reason)
        {
            failures.Add(reason);
            return "FAIL";
        }
    }

    private async Task<CheckpointSeen?> CoveringAsync(long head, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await ReadLatestAsync() is { } seen && seen.Sequence >= head)
            {
                return seen;
            }

            if (clock.Elapsed > within)
            {
                return null;
            }

            await Task.Delay(500);
        }
    }

    private async Task<CheckpointSeen?> ReadLatestAsync()
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Audit, "/audit/checkpoints/latest"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", complianceToken);
            using var response = await http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var checkpoint = await response.Content.ReadFromJsonAsync<JsonElement>();
            return checkpoint.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Number
                ? new CheckpointSeen(checkpoint.GetProperty("sequence").GetInt64(), size.GetInt64(), checkpoint.GetProperty("root").GetString()!)
                : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // Audit is restarting, or its database is: look again.
            return null;
        }
    }
}
