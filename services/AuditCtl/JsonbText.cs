using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AuditPlatform.AuditCtl;

/// <summary>
/// Renders a JSON value as PostgreSQL renders jsonb (<c>data::text</c>): ", " between items, ": " after keys,
/// keys in the order given (a pack keeps jsonb's order), strings escaped as PostgreSQL's escape_json does.
/// </summary>
public static class JsonbText
{
    public static string Render(JsonElement value)
    {
        var text = new StringBuilder();
        Write(value, text);
        return text.ToString();
    }

    private static void Write(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                foreach (var property in value.EnumerateObject())
                {
                    text.Append(first ? string.Empty : ", ");
                    first = false;
                    Quote(property.Name, text);
                    text.Append(": ");
                    Write(property.Value, text);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var head = true;
                foreach (var item in value.EnumerateArray())
                {
                    text.Append(head ? string.Empty : ", ");
                    head = false;
                    Write(item, text);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                Quote(value.GetString() ?? string.Empty, text);
                break;
            default:
                text.Append(value.GetRawText());
                break;
        }
    }

    private static void Quote(string s, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in s)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\b' => text.Append("\\b"),
                '\f' => text.Append("\\f"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                < ' ' => text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => text.Append(c),
            };
        }

        text.Append('"');
    }
}
