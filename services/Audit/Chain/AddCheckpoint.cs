using System.Globalization;
using System.Text;

namespace AuditPlatform.Audit.Chain;

/// <summary>
/// The body of a C2SP tlog-witness <c>add-checkpoint</c> request: <c>old &lt;size&gt;\n</c>, up to 63 base64
/// consistency proof lines, a blank line, then the signed checkpoint note.
/// </summary>
public sealed record AddCheckpoint(long OldSize, IReadOnlyList<byte[]> Proof, string Checkpoint)
{
    /// <summary>The media type of a 409 answer's body: the witness's latest cosigned size in decimal and a newline.</summary>
    public const string SizeMediaType = "text/x.tlog.size";

    /// <summary>The most consistency proof lines a request may carry.</summary>
    public const int MaxProofLines = 63;

    /// <summary>The request body, as the witness reads it.</summary>
    public string Format()
    {
        var body = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"old {OldSize}\n"));
        foreach (var hash in Proof)
        {
            body.Append(Convert.ToBase64String(hash)).Append('\n');
        }

        return body.Append('\n').Append(Checkpoint).ToString();
    }

    /// <summary>Parses a request body; on failure <paramref name="error"/> says what is malformed.</summary>
    public static bool TryParse(string body, out AddCheckpoint request, out string error)
    {
        request = new AddCheckpoint(0, [], string.Empty);
        var blank = body.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            error = "the body has no blank line between the consistency proof and the checkpoint";
            return false;
        }

        var head = body[..blank].Split('\n');
        if (!head[0].StartsWith("old ", StringComparison.Ordinal) || !CheckpointNote.TryParseSize(head[0][4..], out var oldSize))
        {
            error = "the first line is not 'old <size>' with a decimal size and no leading zero";
            return false;
        }

        if (head.Length - 1 > MaxProofLines)
        {
            error = $"the consistency proof has more than {MaxProofLines} lines";
            return false;
        }

        var proof = new List<byte[]>(head.Length - 1);
        foreach (var line in head.Skip(1))
        {
            var hash = new byte[32];
            if (!Convert.TryFromBase64String(line, hash, out var written) || written != 32 || line.Length != 44)
            {
                error = "a consistency proof line is not one base64 SHA-256 hash";
                return false;
            }

            proof.Add(hash);
        }

        request = new AddCheckpoint(oldSize, proof, body[(blank + 2)..]);
        error = string.Empty;
        return true;
    }
}
