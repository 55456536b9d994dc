using System.Text;
using AuditPlatform.Audit.Chain;
using NSec.Cryptography;

namespace AuditPlatform.Witness;

/// <summary>A log this witness cosigns: its origin (the checkpoints' first line) and the note verifier key(s) it trusts for it.</summary>
public sealed class WitnessedLog
{
    public string Origin { get; set; } = string.Empty;

    /// <summary>The log's note verifier key, <c>&lt;origin&gt;+&lt;key ID&gt;+&lt;key&gt;</c> (the Audit service's <c>/audit/checkpoints/latest</c> verifierKey).</summary>
    public string VerifierKey { get; set; } = string.Empty;
}

/// <summary>
/// Witnessing over the bus (section <c>Witness:Bus</c>), for a partner whose witness the Audit service cannot reach over
/// HTTP: the partner's broker account and the queue <c>witness.&lt;partner code&gt;</c> it may read.
/// </summary>
public sealed class WitnessBusOptions
{
    /// <summary>The broker address with the partner's account, <c>amqp://partner-US-FBI:…@broker:5672/audit</c>.</summary>
    public string? Connection { get; set; }

    /// <summary>The queue the requests arrive on, <c>witness.&lt;partner code&gt;</c>.</summary>
    public string? Queue { get; set; }

    /// <summary>How long it waits before consuming again after the broker went away or the queue did not exist yet.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public bool Enabled => Connection is not null || Queue is not null;
}

/// <summary>The witness's settings (section <c>Witness</c>).</summary>
public sealed class WitnessOptions
{
    /// <summary>The witness's key name, the name on its cosignature lines (for example <c>witness.us-fbi.example/w1</c>).</summary>
    public string Name { get; set; } = "witness.local/w1";

    /// <summary>The Ed25519 private key, PKCS#8 PEM (as <c>witness keygen</c> or <c>openssl genpkey -algorithm ed25519</c> writes it).</summary>
    public string? KeyFile { get; set; }

    /// <summary>The key itself (the PEM text), instead of <see cref="KeyFile"/>.</summary>
    public string? Key { get; set; }

    /// <summary>Where the last cosigned checkpoint of each log is kept; it must survive restarts (a volume, not a container layer).</summary>
    public string StateDirectory { get; set; } = "witness-state";

    /// <summary>The logs this witness cosigns; a checkpoint of any other origin is answered 404.</summary>
    public List<WitnessedLog> Logs { get; set; } = [];

    /// <summary>Set to take requests from a bus queue as well as over HTTP.</summary>
    public WitnessBusOptions Bus { get; set; } = new();

    /// <summary>The signing key, or a clear error naming the setting that is missing.</summary>
    public Key LoadKey()
    {
        var pem = Key ?? (KeyFile is null ? null : File.ReadAllText(KeyFile))
            ?? throw new InvalidOperationException("Witness:KeyFile (or Witness:Key) must hold an Ed25519 PKCS#8 PEM key; 'witness keygen' writes one.");
        return NSec.Cryptography.Key.Import(SignatureAlgorithm.Ed25519, Encoding.ASCII.GetBytes(pem.Trim()), KeyBlobFormat.PkixPrivateKeyText);
    }

    /// <summary>Checks the settings a witness cannot run without, naming each one that is wrong.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!CheckpointNote.IsKeyName(Name))
        {
            problems.Add("Witness:Name must be a key name: non-empty, with no space, '+' or control character.");
        }

        if (Logs.Count == 0)
        {
            problems.Add("Witness:Logs names no log: add Witness:Logs:0:Origin and Witness:Logs:0:VerifierKey.");
        }

        for (var i = 0; i < Logs.Count; i++)
        {
            if (!CheckpointNote.IsKeyName(Logs[i].Origin))
            {
                problems.Add($"Witness:Logs:{i}:Origin must be a checkpoint origin: non-empty, with no space, '+' or control character.");
            }

            if (!CheckpointNote.IsVerifierKey(Logs[i].VerifierKey))
            {
                problems.Add($"Witness:Logs:{i}:VerifierKey is not an Ed25519 note verifier key (<name>+<8 hex digits>+<base64 key>).");
            }
        }

        if (Bus.Enabled)
        {
            if (!Uri.TryCreate(Bus.Connection, UriKind.Absolute, out var broker) || broker.Scheme is not ("amqp" or "amqps") || !broker.UserInfo.Contains(':', StringComparison.Ordinal))
            {
                problems.Add("Witness:Bus:Connection must be an amqp:// or amqps:// address with the partner's broker user and password.");
            }

            if (Bus.Queue is null || !Bus.Queue.StartsWith("witness.", StringComparison.Ordinal) || Bus.Queue.Length == "witness.".Length)
            {
                problems.Add("Witness:Bus:Queue must be the partner's witness queue, witness.<partner code>.");
            }
        }

        return problems;
    }
}
