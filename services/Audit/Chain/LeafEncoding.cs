using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AuditPlatform.Audit.Chain;

/// <summary>A ledger event exactly as PostgreSQL holds it; <see cref="Data"/> is <c>data::text</c> (jsonb's own rendering).</summary>
public sealed record LedgerEvent(long Sequence, Guid Id, string StreamKey, long Version, string Type, DateTimeOffset RecordedAt, string Data)
{
    /// <summary>The body's <c>OccurredAt</c> (world time), or null when the body has none.</summary>
    public DateTimeOffset? OccurredAt => LeafEncoding.OccurredAtOf(Data);
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

    /// <summary>SHA-256(0x00 ‖ leaf data), written into one buffer without the intermediate arrays of <see cref="LeafData"/>.</summary>
    public static byte[] LeafHash(LedgerEvent e)
    {
        var body = Encoding.UTF8.GetBytes(e.Data);
        var occurred = OccurredAtOf(body) is { } when ? Time(when) : string.Empty;
        Span<string> fields = [e.Sequence.ToString(CultureInfo.InvariantCulture), e.StreamKey, e.Version.ToString(CultureInfo.InvariantCulture), e.Type, occurred, Time(e.RecordedAt)];
        var length = 1 + (7 * 4) + body.Length;
        foreach (var field in fields)
        {
            length += Encoding.UTF8.GetByteCount(field);
        }

        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var buffer = rented.AsSpan(0, length);
            buffer[0] = 0;
            var at = 1;
            foreach (var field in fields)
            {
                var written = Encoding.UTF8.GetBytes(field, buffer[(at + 4)..]);
                BinaryPrimitives.WriteInt32BigEndian(buffer[at..], written);
                at += 4 + written;
            }

            BinaryPrimitives.WriteInt32BigEndian(buffer[at..], body.Length);
            body.CopyTo(buffer[(at + 4)..]);
            return SHA256.HashData(buffer);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
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
