using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using NSec.Cryptography;

namespace AuditPlatform.Audit.Chain;

/// <summary>A witness a verifier trusts: its key name and its cosignature verifier key.</summary>
public sealed record TrustedWitness(string Name, string VerifierKey);

/// <summary>
/// Witness cosignatures (C2SP tlog-cosignature, Ed25519 type <c>cosignature/v1</c>): a note signature line
/// <c>— &lt;witness name&gt; base64(key ID ‖ u64 big-endian timestamp ‖ Ed25519 signature)</c>, where key ID =
/// SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4] and the signed message is <c>cosignature/v1\ntime &lt;timestamp&gt;\n</c>
/// followed by the checkpoint's text. A cosignature says: as of that time, this is the largest tree the witness has
/// seen for the origin, and every tree it saw before is a prefix of it.
/// </summary>
public static class Cosignature
{
    /// <summary>The signed-note signature type of an Ed25519 cosignature.</summary>
    public const byte Type = 0x04;

    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    /// <summary>The witness's verifier key: <c>&lt;name&gt;+&lt;hex key ID&gt;+&lt;base64(0x04 ‖ public key)&gt;</c>.</summary>
    public static string VerifierKey(string name, PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (!CheckpointNote.IsKeyName(name))
        {
            throw new ArgumentException("A witness name is non-empty and holds no space, '+' or control character.", nameof(name));
        }

        var raw = publicKey.Export(KeyBlobFormat.RawPublicKey);
        return $"{name}+{Convert.ToHexStringLower(CheckpointNote.KeyId(name, Type, raw))}+{Convert.ToBase64String([Type, .. raw])}";
    }

    /// <summary>The message a cosignature signs: the header, the time line, then the checkpoint's text.</summary>
    public static byte[] Message(string checkpointText, long timestamp) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"cosignature/v1\ntime {timestamp}\n{checkpointText}"));

    /// <summary>The cosignature line (ending in a newline) of <paramref name="key"/> under <paramref name="name"/> over a checkpoint's text.</summary>
    public static string Sign(Key key, string name, string checkpointText, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(key);
        var timestamp = at.ToUnixTimeSeconds();
        ArgumentOutOfRangeException.ThrowIfNegative(timestamp);
        var signature = Ed25519.Sign(key, Message(checkpointText, timestamp));
        var line = new byte[4 + 8 + signature.Length];
        CheckpointNote.KeyId(name, Type, key.PublicKey.Export(KeyBlobFormat.RawPublicKey)).CopyTo(line, 0);
        BinaryPrimitives.WriteUInt64BigEndian(line.AsSpan(4), (ulong)timestamp);
        signature.CopyTo(line, 12);
        return $"{CheckpointNote.SignaturePrefix}{name} {Convert.ToBase64String(line)}\n";
    }

    /// <summary>
    /// When the witness of <paramref name="verifierKey"/> cosigned the note (or the note's text followed by the given
    /// extra signature lines): the time of its valid cosignature, or null when it has none or one of its lines fails.
    /// Lines of other keys are ignored.
    /// </summary>
    public static DateTimeOffset? Verify(string note, string verifierKey)
    {
        if (!TryParseVerifierKey(verifierKey, out var name, out var keyId, out var publicKey) || !CheckpointNote.TrySplit(note, out var text, out var lines))
        {
            return null;
        }

        DateTimeOffset? cosigned = null;
        foreach (var line in lines)
        {
            if (!TryReadLine(line, name, keyId, out var timestamp, out var signature))
            {
                continue;
            }

            if (signature is null || timestamp > long.MaxValue || !Ed25519.Verify(publicKey, Message(text, (long)timestamp), signature))
            {
                return null;
            }

            cosigned = DateTimeOffset.FromUnixTimeSeconds((long)timestamp);
        }

        return cosigned;
    }

    /// <summary>The witnesses among <paramref name="trusted"/> whose cosignature on the note verifies.</summary>
    public static IReadOnlyList<string> CosignedBy(string note, IEnumerable<TrustedWitness> trusted) =>
        [.. trusted.Where(w => Verify(note, w.VerifierKey) is not null).Select(w => w.Name).Distinct(StringComparer.Ordinal)];

    /// <summary>The note with the given signature lines added after its own, skipping lines it already holds.</summary>
    public static string Append(string note, IEnumerable<string> signatureLines)
    {
        var builder = new StringBuilder(note);
        foreach (var line in signatureLines.Select(l => l.TrimEnd('\n')))
        {
            if (!note.Contains(line + "\n", StringComparison.Ordinal))
            {
                builder.Append(line).Append('\n');
            }
        }

        return builder.ToString();
    }

    /// <summary>Whether a key is a cosignature verifier key (type 0x04, a well-formed Ed25519 public key, the key ID it implies).</summary>
    public static bool IsVerifierKey(string verifierKey) => TryParseVerifierKey(verifierKey, out _, out _, out _);

    /// <summary>The name a verifier key names, or null when it is not one.</summary>
    public static string? NameOf(string verifierKey) => TryParseVerifierKey(verifierKey, out var name, out _, out _) ? name : null;

    private static bool TryReadLine(string line, string name, byte[] keyId, out ulong timestamp, out byte[]? signature)
    {
        (timestamp, signature) = (0, null);
        var space = line.IndexOf(' ', CheckpointNote.SignaturePrefix.Length);
        if (space < 0 || !string.Equals(line[CheckpointNote.SignaturePrefix.Length..space], name, StringComparison.Ordinal))
        {
            return false;
        }

        var bytes = new byte[(line.Length - space) * 3 / 4 + 3];
        if (!Convert.TryFromBase64String(line[(space + 1)..], bytes, out var written) || written < 4)
        {
            // A line under the witness's name that is not base64 cannot be told apart from a forged one: it fails.
            return true;
        }

        if (!bytes.AsSpan(0, 4).SequenceEqual(keyId))
        {
            return false;
        }

        if (written == 4 + 8 + Ed25519.SignatureSize)
        {
            timestamp = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(4));
            signature = bytes[12..written];
        }

        return true;
    }

    private static bool TryParseVerifierKey(string verifierKey, out string name, out byte[] keyId, out PublicKey publicKey) =>
        CheckpointNote.TryParseVerifierKey(verifierKey, Type, out name, out keyId, out publicKey);
}
