using System.Security.Cryptography;
using System.Text;
using AuditPlatform.Audit.Chain;
using NSec.Cryptography;

namespace AuditPlatform.Witness;

/// <summary>What the witness answers an <c>add-checkpoint</c> request: the HTTP status, the body and its media type.</summary>
public sealed record WitnessAnswer(int Status, string Body, string ContentType = "text/plain; charset=utf-8")
{
    public static WitnessAnswer Refused(int status, string reason) => new(status, reason + "\n");
}

/// <summary>The last checkpoint the witness cosigned for one origin.</summary>
public sealed record WitnessedCheckpoint(string Origin, long Size, byte[] Root, string Note);

/// <summary>
/// The witness's one rule (C2SP tlog-witness <c>add-checkpoint</c>): cosign a checkpoint signed by a trusted log key
/// only when it extends, by a valid RFC 6962 consistency proof, the last one cosigned for its origin; refuse anything
/// that would rewrite it. The check and the new state's persistence are one atomic step, so two racing requests
/// cannot roll the witnessed size back. State is one file per origin, replaced atomically and flushed to disk before
/// the cosignature is returned.
/// </summary>
public sealed partial class WitnessLog(WitnessOptions options, TimeProvider clock, ILogger<WitnessLog> logger) : IDisposable
{
    private readonly Key key = options.LoadKey();
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>The witness's cosignature verifier key, which logs and verifiers configure.</summary>
    public string VerifierKey => Cosignature.VerifierKey(options.Name, key.PublicKey);

    public string Name => options.Name;

    /// <summary>Answers one request body, as tlog-witness specifies.</summary>
    public async Task<WitnessAnswer> AddAsync(string body, CancellationToken cancellationToken)
    {
        if (!AddCheckpoint.TryParse(body, out var request, out var malformed))
        {
            return WitnessAnswer.Refused(StatusCodes.Status400BadRequest, malformed);
        }

        if (CheckpointNote.Parse(request.Checkpoint) is not { } checkpoint)
        {
            return WitnessAnswer.Refused(StatusCodes.Status400BadRequest, "the checkpoint is not a signed note of origin, size and base64 root");
        }

        var trusted = options.Logs.Where(l => string.Equals(l.Origin, checkpoint.Origin, StringComparison.Ordinal)).ToList();
        if (trusted.Count == 0)
        {
            return WitnessAnswer.Refused(StatusCodes.Status404NotFound, $"this witness does not witness the log {checkpoint.Origin}");
        }

        if (!trusted.Any(l => CheckpointNote.Verify(request.Checkpoint, l.VerifierKey) is not null))
        {
            return WitnessAnswer.Refused(StatusCodes.Status403Forbidden, $"no signature on the checkpoint verifies with a key trusted for {checkpoint.Origin}");
        }

        if (request.OldSize > checkpoint.Size)
        {
            return WitnessAnswer.Refused(StatusCodes.Status400BadRequest, $"the old size {request.OldSize} is larger than the checkpoint's size {checkpoint.Size}");
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            var latest = Read(checkpoint.Origin);
            var latestSize = latest?.Size ?? 0;
            if (request.OldSize != latestSize)
            {
                return new WitnessAnswer(StatusCodes.Status409Conflict, $"{latestSize}\n", AddCheckpoint.SizeMediaType);
            }

            if (latest is not null && checkpoint.Size == latest.Size && !CryptographicOperations.FixedTimeEquals(checkpoint.Root, latest.Root))
            {
                Disputed(checkpoint.Origin, checkpoint.Size, body, "two different roots for one size");
                return WitnessAnswer.Refused(StatusCodes.Status409Conflict,
                    $"fork: a checkpoint of size {checkpoint.Size} with another root than the one this witness cosigned ({Convert.ToBase64String(latest.Root)})");
            }

            var consistent = latest is null
                ? request.Proof.Count == 0
                : checkpoint.Size == latest.Size ? request.Proof.Count == 0 : Merkle.VerifyConsistency(latest.Size, checkpoint.Size, latest.Root, checkpoint.Root, request.Proof);
            if (!consistent)
            {
                Disputed(checkpoint.Origin, checkpoint.Size, body, "the consistency proof does not verify");
                return WitnessAnswer.Refused(StatusCodes.Status422UnprocessableEntity,
                    $"the consistency proof from size {request.OldSize} to {checkpoint.Size} does not verify: the log is not an extension of what this witness cosigned");
            }

            var text = CheckpointNote.Text(checkpoint.Origin, checkpoint.Size, checkpoint.Root);
            await WriteAsync(new WitnessedCheckpoint(checkpoint.Origin, checkpoint.Size, checkpoint.Root, request.Checkpoint), cancellationToken);
            Cosigned(logger, checkpoint.Origin, checkpoint.Size);
            return new WitnessAnswer(StatusCodes.Status200OK, Cosignature.Sign(key, options.Name, text, clock.GetUtcNow()));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The last checkpoint cosigned for each witnessed log (absent when none yet), for the monitoring endpoint.</summary>
    public IEnumerable<(string Origin, WitnessedCheckpoint? Latest)> Status() =>
        options.Logs.Select(l => l.Origin).Distinct(StringComparer.Ordinal).Select(o => (o, Read(o)));

    /// <summary>Whether the state directory can be written, for readiness.</summary>
    public bool CanWrite()
    {
        try
        {
            Directory.CreateDirectory(options.StateDirectory);
            var probe = Path.Combine(options.StateDirectory, ".ready");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        key.Dispose();
        gate.Dispose();
    }

    /// <summary>A file name for an origin (which may hold '/'): the first 16 bytes of its SHA-256, in hex.</summary>
    private static string FileKey(string origin) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(origin)))[..32];

    private string StatePath(string origin) => Path.Combine(options.StateDirectory, FileKey(origin) + ".checkpoint");

    private WitnessedCheckpoint? Read(string origin)
    {
        var path = StatePath(origin);
        if (!File.Exists(path))
        {
            return null;
        }

        var note = File.ReadAllText(path, Encoding.UTF8);
        var body = CheckpointNote.Parse(note);
        return body is not null && string.Equals(body.Origin, origin, StringComparison.Ordinal)
            ? new WitnessedCheckpoint(origin, body.Size, body.Root, note)
            : throw new InvalidDataException($"The witness state {path} does not hold a checkpoint of {origin}: restore it from a backup rather than start over.");
    }

    /// <summary>Replaces the origin's state file atomically: write a temporary file, flush it, rename it over the old one.</summary>
    private async Task WriteAsync(WitnessedCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.StateDirectory);
        var path = StatePath(checkpoint.Origin);
        var temporary = path + ".new";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            await file.WriteAsync(Encoding.UTF8.GetBytes(checkpoint.Note), cancellationToken);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Keeps a refused request that may prove the log misbehaved (tlog-witness allows it), and says so loudly.</summary>
    private void Disputed(string origin, long size, string body, string why)
    {
        try
        {
            var directory = Path.Combine(options.StateDirectory, "disputed");
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, $"{FileKey(origin)}-{size}-{clock.GetUtcNow().ToUnixTimeMilliseconds()}.txt"), body);
        }
        catch (IOException e)
        {
            KeepFailed(logger, e);
        }

        Refused(logger, origin, size, why);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cosigned {Origin} at size {Size}")]
    private static partial void Cosigned(ILogger logger, string origin, long size);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused a checkpoint of {Origin} at size {Size}: {Why}. The log may be showing different histories; the request is kept under disputed/")]
    private static partial void Refused(ILogger logger, string origin, long size, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not keep a disputed request")]
    private static partial void KeepFailed(ILogger logger, Exception exception);
}
