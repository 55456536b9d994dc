using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AuditPlatform.Audit.Events;

/// <summary>
/// An event's body as the read endpoints give it: the stored JSON with every property name in camelCase, as the rest
/// of the contract is. Marten stores the C# names (<c>DisclosureId</c>); values, their order and numbers'
/// text are kept as stored. Stored events are records without dictionaries, so every name is a property name.
/// </summary>
public static class EventBody
{
    // The names seen so far, camelCased and encoded once: stored bodies are records, so their names are a small fixed set.
    private const int NamesKept = 4096;
    private static readonly ConcurrentDictionary<string, JsonEncodedText> Names = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, JsonEncodedText>.AlternateLookup<ReadOnlySpan<char>> NamesByChars =
        Names.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// Writes <paramref name="data"/> (one stored body, UTF-8) to <paramref name="writer"/> with camelCase names, token by
    /// token. String values are copied as the ledger renders them, escapes and all (jsonb's output is valid JSON), so
    /// nothing is decoded and escaped again.
    /// </summary>
    public static void WriteCamelCase(Utf8JsonWriter writer, ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    writer.WriteStartObject();
                    break;
                case JsonTokenType.EndObject:
                    writer.WriteEndObject();
                    break;
                case JsonTokenType.StartArray:
                    writer.WriteStartArray();
                    break;
                case JsonTokenType.EndArray:
                    writer.WriteEndArray();
                    break;
                case JsonTokenType.PropertyName:
                    writer.WritePropertyName(CamelName(ref reader));
                    break;
                case JsonTokenType.String:
                    // The token with its quotes: where it starts, and its raw (still escaped) bytes between them.
                    writer.WriteRawValue(data.Slice((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2), skipInputValidation: true);
                    break;
                case JsonTokenType.Number:
                    writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True or JsonTokenType.False:
                    writer.WriteBooleanValue(reader.GetBoolean());
                    break;
                case JsonTokenType.Null:
                    writer.WriteNullValue();
                    break;
                default:
                    break;
            }
        }
    }

    private static JsonEncodedText CamelName(ref Utf8JsonReader reader)
    {
        const int longest = 128;
        if (!reader.ValueIsEscaped && reader.ValueSpan.Length <= longest)
        {
            Span<char> chars = stackalloc char[longest];
            if (NamesByChars.TryGetValue(chars[..Encoding.UTF8.GetChars(reader.ValueSpan, chars)], out var known))
            {
                return known;
            }
        }

        var name = reader.GetString()!;
        var camel = JsonEncodedText.Encode(JsonNamingPolicy.CamelCase.ConvertName(name));
        if (Names.Count < NamesKept)
        {
            Names.TryAdd(name, camel);
        }

        return camel;
    }

    public static string CamelCase(string data) => CamelCase(Encoding.UTF8.GetBytes(data));

    /// <summary>The body with camelCase names, as a JSON text (a CSV cell).</summary>
    public static string CamelCase(ReadOnlySpan<byte> data) => Encoding.UTF8.GetString(CamelCased(data).WrittenSpan);

    /// <summary>The body with camelCase names, as a node of <c>/audit/events</c>' answer.</summary>
    public static JsonNode? CamelCaseNode(ReadOnlySpan<byte> data) => JsonNode.Parse(CamelCased(data).WrittenSpan);

    private static ArrayBufferWriter<byte> CamelCased(ReadOnlySpan<byte> data)
    {
        var buffer = new ArrayBufferWriter<byte>(data.Length + 16);
        using var writer = new Utf8JsonWriter(buffer);
        WriteCamelCase(writer, data);
        writer.Flush();
        return buffer;
    }
}
