using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace AuditPlatform.Audit.Chain;

/// <summary>What a checkpoint note's text states: the log's origin, its tree size and the RFC 6962 root over that many leaves.</summary>
public sealed record CheckpointBody(string Origin, long Size, byte[] Root);

/// <summary>
/// Checkpoints as C2SP signed notes (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note): the text is
/// <c>&lt;origin&gt;\n&lt;tree size&gt;\n&lt;base64 root&gt;\n</c>, then a blank line and one signature line
/// <c>— &lt;key name&gt; base64(key ID ‖ Ed25519 signature of the text)</c>, where key ID = the first four bytes of
/// SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key). A verifier needs nothing but the verifier key
/// <c>&lt;name&gt;+&lt;hex key ID&gt;+&lt;base64(0x01 ‖ public key)&gt;</c>: no timestamp to re-render, and the size is signed.
/// </summary>
public static class CheckpointNote
{
    /// <summary>The signed-note signature type of Ed25519.</summary>
    public const byte Ed25519Type = 0x01;

    /// <summary>What every signature line of a note starts with: an em dash and a space.</summary>
    public const string SignaturePrefix = "\u2014 ";

    /// <summary>At most this many signature lines: the log's own and a quorum of witnesses' fit well within it.</summary>
    public const int MaxSignatures = 32;

    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    /// <summary>The checkpoint's note text: origin, decimal size, standard base64 root, each ending in a newline.</summary>
    public static string Text(string origin, long size, ReadOnlySpan<byte> root)
    {
        if (!IsKeyName(origin))
        {
            throw new ArgumentException("An origin is non-empty and holds no space, '+' or control character.", nameof(origin));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return string.Create(CultureInfo.InvariantCulture, $"{origin}\n{size}\n{Convert.ToBase64String(root)}\n");
    }

    /// <summary>The note: the text, a blank line, and the signature line of <paramref name="key"/> under <paramref name="name"/>.</summary>
    public static string Sign(Key key, string name, string text)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!IsKeyName(name))
        {
            throw new ArgumentException("A key name is non-empty and holds no space, '+' or control character.", nameof(name));
        }

        var signature = Ed25519.Sign(key, Encoding.UTF8.GetBytes(text));
        var line = new byte[4 + signature.Length];
        KeyId(name, key.PublicKey.Export(KeyBlobFormat.RawPublicKey)).CopyTo(line, 0);
        signature.CopyTo(line, 4);
        return $"{text}\n{SignaturePrefix}{name} {Convert.ToBase64String(line)}\n";
    }

    /// <summary>SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4], as signed-note recommends for Ed25519.</summary>
    public static byte[] KeyId(string name, ReadOnlySpan<byte> publicKey) => KeyId(name, Ed25519Type, publicKey);

    /// <summary>SHA-256(name ‖ 0x0A ‖ signature type ‖ public key)[:4]: the key ID of any signed-note signature type.</summary>
    public static byte[] KeyId(string name, byte type, ReadOnlySpan<byte> publicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = (byte)'\n';
        input[nameBytes.Length + 1] = type;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        return SHA256.HashData(input)[..4];
    }

    /// <summary>The verifier key: <c>&lt;name&gt;+&lt;8 hex digits of the key ID&gt;+&lt;base64(0x01 ‖ public key)&gt;</c>.</summary>
    public static string VerifierKey(string name, PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        var raw = publicKey.Export(KeyBlobFormat.RawPublicKey);
        return $"{name}+{Convert.ToHexStringLower(KeyId(name, raw))}+{Convert.ToBase64String([Ed25519Type, .. raw])}";
    }

    /// <summary>Whether a trusted key given by a user is a note verifier key rather than an (older) ECDSA public key.</summary>
    /// <remarks>Decided by shape, not by '+' alone: a base64 ECDSA key may hold '+' too.</remarks>
    public static bool IsVerifierKey(string key) => TryParseVerifierKey(key, out _, out _, out _);

    /// <summary>
    /// The checkpoint the note states, when a signature line of the verifier key's name and key ID verifies over its
    /// text; null when none does, when one of them fails, or when the note or its text is malformed. Signatures by
    /// other keys are ignored, as the spec requires.
    /// </summary>
    public static CheckpointBody? Verify(string note, string verifierKey)
    {
        if (!TryParseVerifierKey(verifierKey, out var name, out var keyId, out var publicKey) || !TrySplit(note, out var text, out var lines))
        {
            return null;
        }

        var verified = false;
        foreach (var line in lines)
        {
            var space = line.IndexOf(' ', SignaturePrefix.Length);
            if (space < 0 || !string.Equals(line[SignaturePrefix.Length..space], name, StringComparison.Ordinal))
            {
                continue;
            }

            byte[] signature;
            try
            {
                signature = Convert.FromBase64String(line[(space + 1)..]);
            }
            catch (FormatException)
            {
                return null;
            }

            if (signature.Length < 4 || !signature.AsSpan(0, 4).SequenceEqual(keyId))
            {
                continue;
            }

            if (signature.Length != 4 + Ed25519.SignatureSize || !Ed25519.Verify(publicKey, Encoding.UTF8.GetBytes(text), signature.AsSpan(4)))
            {
                return null;
            }

            verified = true;
        }

        return verified ? Parse(text) : null;
    }

    /// <summary>The origin, size and root a note's text states (tlog-checkpoint's first three lines), whether or not anyone signed it.</summary>
    public static CheckpointBody? Parse(string noteOrText)
    {
        var text = TrySplit(noteOrText, out var signed, out _) ? signed : noteOrText;
        var lines = text.Split('\n');
        if (lines.Length < 4 || lines[^1].Length != 0 || lines[..^1].Any(l => l.Length == 0) || !IsKeyName(lines[0]))
        {
            return null;
        }

        if (!TryParseSize(lines[1], out var size))
        {
            return null;
        }

        var root = new byte[32];
        return Convert.TryFromBase64String(lines[2], root, out var written) && written == 32 ? new CheckpointBody(lines[0], size, root) : null;
    }

    /// <summary>A tree size as checkpoints and tlog-witness write it: ASCII decimal, no sign, no leading zero (except 0 itself).</summary>
    public static bool TryParseSize(string text, out long size)
    {
        size = 0;
        return text.Length > 0 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out size);
    }

    private static bool TryParseVerifierKey(string verifierKey, out string name, out byte[] keyId, out PublicKey publicKey) =>
        TryParseVerifierKey(verifierKey, Ed25519Type, out name, out keyId, out publicKey);

    /// <summary>Parses a verifier key of the given signature type: its name, key ID (checked against the key) and Ed25519 public key.</summary>
    internal static bool TryParseVerifierKey(string verifierKey, byte type, out string name, out byte[] keyId, out PublicKey publicKey)
    {
        (name, keyId, publicKey) = (string.Empty, [], null!);
        // Split at the first two '+' only: a key name holds none, but the base64 key may.
        var parts = verifierKey.Split('+', 3);
        if (parts.Length != 3 || !IsKeyName(parts[0]) || parts[1].Length != 8)
        {
            return false;
        }

        try
        {
            var id = Convert.FromHexString(parts[1]);
            var key = Convert.FromBase64String(parts[2]);
            if (key.Length != 1 + Ed25519.PublicKeySize || key[0] != type || !KeyId(parts[0], type, key.AsSpan(1)).AsSpan().SequenceEqual(id)
                || !PublicKey.TryImport(Ed25519, key.AsSpan(1), KeyBlobFormat.RawPublicKey, out var imported) || imported is null)
            {
                return false;
            }

            (name, keyId, publicKey) = (parts[0], id, imported);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Splits a note at its last blank line into the text (with its final newline) and its signature lines.</summary>
    public static bool TrySplit(string note, out string text, out List<string> signatures)
    {
        (text, signatures) = (string.Empty, []);
        if (!note.EndsWith('\n') || note.Any(c => c < ' ' && c != '\n'))
        {
            return false;
        }

        var blank = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            return false;
        }

        var lines = note[(blank + 2)..^1].Split('\n');
        if (lines.Length is 0 or > MaxSignatures || lines.Any(l => !l.StartsWith(SignaturePrefix, StringComparison.Ordinal)))
        {
            return false;
        }

        (text, signatures) = (note[..(blank + 1)], [.. lines]);
        return true;
    }

    /// <summary>Whether a name may be a note's origin or a key name: non-empty, no space, '+' or control character.</summary>
    public static bool IsKeyName(string name) => name.Length > 0 && !name.Any(c => char.IsWhiteSpace(c) || c == '+' || char.IsControl(c));
}
