using System.Buffers;
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
    /// <summary>Writes <paramref name="data"/> (one stored body) to <paramref name="writer"/> with camelCase names, token by token.</summary>
    public static void WriteCamelCase(Utf8JsonWriter writer, string data)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(data));
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
                    writer.WritePropertyName(JsonNamingPolicy.CamelCase.ConvertName(reader.GetString()!));
                    break;
                case JsonTokenType.String:
                    writer.WriteStringValue(reader.GetString());
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

    /// <summary>The body with camelCase names, as a JSON text (a CSV cell).</summary>
    public static string CamelCase(string data)
    {
        var buffer = new ArrayBufferWriter<byte>(data.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteCamelCase(writer, data);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The body with camelCase names, as a node of <c>/audit/events</c>' answer.</summary>
    public static JsonNode? CamelCaseNode(string data) => JsonNode.Parse(CamelCase(data));
}
