using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AuditPlatform.Audit.Chain;

/// <summary>
/// A ledger event exactly as PostgreSQL holds it; <see cref="Body"/> is the UTF-8 of <c>data::text</c> (jsonb's own
/// rendering) as it came off the wire, so hashing and exporting it never turn it into a string and back.
/// </summary>
public sealed record LedgerEvent(long Sequence, Guid Id, string StreamKey, long Version, string Type, DateTimeOffset RecordedAt, ReadOnlyMemory<byte> Body)
{
    public LedgerEvent(long sequence, Guid id, string streamKey, long version, string type, DateTimeOffset recordedAt, string data)
        : this(sequence, id, streamKey, version, type, recordedAt, Encoding.UTF8.GetBytes(data))
    {
    }

    /// <summary>The body as text (decoded on each call: the paths that read every event use <see cref="Body"/>).</summary>
    public string Data => Encoding.UTF8.GetString(Body.Span);

    /// <summary>The body's <c>OccurredAt</c> (world time), or null when the body has none.</summary>
    public DateTimeOffset? OccurredAt => LeafEncoding.OccurredAtOf(Body.Span);
}

/// <summary>
/// The canonical encoding <c>auditplatform-leaf/v1</c>: seven fields, each a 4-byte big-endian length followed by
/// its UTF-8 bytes: sequence (decimal), stream key, version (decimal), type, occurredAt, recordedAt, body.
/// Times are RFC 3339 UTC with exactly six fraction digits (<c>2017-05-24T18:00:00.000000Z</c>); occurredAt is the
/// body's <c>OccurredAt</c> (empty when absent); the body is <c>data::text</c> as PostgreSQL renders the jsonb.
/// Leaf hash = SHA-256(0x00 ‖ leaf data); chain hash n = SHA-256(chain hash n-1 ‖ leaf hash n), chain hash 0 = 32 zero bytes.
/// </summary>
public static class LeafEncoding
{
    public const string Name = "auditplatform-leaf/v1";

    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static byte[] LeafData(LedgerEvent e)
    {
        var occurred = e.OccurredAt is { } at ? Time(at) : string.Empty;
        string[] fields =
        [
            e.Sequence.ToString(CultureInfo.InvariantCulture), e.StreamKey, e.Version.ToString(CultureInfo.InvariantCulture),
            e.Type, occurred, Time(e.RecordedAt), e.Data,
        ];
        using var stream = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var field in fields)
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            stream.Write(length);
            stream.Write(bytes);
        }

        return stream.ToArray();
    }

    /// <summary>
    /// SHA-256(0x00 ‖ leaf data), the fields formatted straight into one pooled buffer as UTF-8 (no string per field):
    /// the chain follower and every verification compute it for each event.
    /// </summary>
    public static byte[] LeafHash(LedgerEvent e)
    {
        const int number = 20, time = 28;
        var body = e.Body.Span;
        var occurred = OccurredAtOf(body);
        var most = 1 + (7 * 4) + number + Encoding.UTF8.GetMaxByteCount(e.StreamKey.Length) + number
            + Encoding.UTF8.GetMaxByteCount(e.Type.Length) + time + time + body.Length;
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(most);
        try
        {
            var buffer = rented.AsSpan();
            buffer[0] = 0;
            var at = 1;
            at += Field(buffer[at..], e.Sequence.TryFormat(buffer[(at + 4)..], out var written, default, CultureInfo.InvariantCulture) ? written : 0);
            at += Field(buffer[at..], Encoding.UTF8.GetBytes(e.StreamKey, buffer[(at + 4)..]));
            at += Field(buffer[at..], e.Version.TryFormat(buffer[(at + 4)..], out written, default, CultureInfo.InvariantCulture) ? written : 0);
            at += Field(buffer[at..], Encoding.UTF8.GetBytes(e.Type, buffer[(at + 4)..]));
            at += Field(buffer[at..], occurred is { } when ? Time(when, buffer[(at + 4)..]) : 0);
            at += Field(buffer[at..], Time(e.RecordedAt, buffer[(at + 4)..]));
            body.CopyTo(buffer[(at + 4)..]);
            at += Field(buffer[at..], body.Length);
            return SHA256.HashData(buffer[..at]);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes a field's length before the <paramref name="length"/> bytes already written after it; the field's size.</summary>
    private static int Field(Span<byte> at, int length)
    {
        BinaryPrimitives.WriteInt32BigEndian(at, length);
        return 4 + length;
    }

    /// <summary><see cref="Time(DateTimeOffset)"/> as UTF-8 into <paramref name="into"/>: the round-trip form has seven fraction digits, the seventh dropped (both truncate).</summary>
    private static int Time(DateTimeOffset time, Span<byte> into)
    {
        if (!time.UtcDateTime.TryFormat(into, out var written, "O", CultureInfo.InvariantCulture) || written != 28)
        {
            throw new InvalidOperationException($"unexpected round-trip form of {time:O}");
        }

        into[26] = (byte)'Z';
        return 27;
    }

    public static byte[] ChainHash(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> leafHash)
    {
        Span<byte> buffer = stackalloc byte[64];
        previous.CopyTo(buffer);
        leafHash.CopyTo(buffer[32..]);
        return SHA256.HashData(buffer);
    }

    public static byte[] Genesis => new byte[32];

    public static DateTimeOffset? OccurredAtOf(string data) => OccurredAtOf(Encoding.UTF8.GetBytes(data));

    /// <summary>The first top-level <c>OccurredAt</c> (any case) that is a date-time string; scanned, not parsed into a document.</summary>
    public static DateTimeOffset? OccurredAtOf(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = reader.ValueIsEscaped
                    ? string.Equals(reader.GetString(), "OccurredAt", StringComparison.OrdinalIgnoreCase)
                    : System.Text.Ascii.EqualsIgnoreCase(reader.ValueSpan, "OccurredAt"u8);
                reader.Read();
                if (match && reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at))
                {
                    return at;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }
}
