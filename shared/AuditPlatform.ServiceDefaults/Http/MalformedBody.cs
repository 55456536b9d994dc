using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using AuditPlatform.ServiceDefaults.Messaging;

namespace AuditPlatform.ServiceDefaults.Http;

/// <summary>
/// A command body that could not be read into its type: JSON that does not parse, is nested too deep, is not an
/// object, or has a field of the wrong type. The same field errors serve HTTP (problem details) and the bus (the
/// <c>_error</c> reason): the field is its JSON path in the body's own names, the message says what it must be.
/// </summary>
public static partial class MalformedBody
{
    /// <summary>The deepest nesting a body may have, over HTTP and on the bus alike.</summary>
    public const int MaxDepth = 32;

    /// <summary>The key of an error about the body as a whole.</summary>
    public const string Root = "$";

    public const string Title = "The command's body is not valid.";

    private static readonly string[] Required = ["is required."];

    public static InvalidCommandException NotAnObject() =>
        Invalid(Root, "must be a JSON object with the command's fields.");

    /// <summary>
    /// The refusal for a body the serializer could not read into <paramref name="bodyType"/> (null when unknown); given
    /// the <paramref name="body"/>, a command's missing required fields are each named.
    /// </summary>
    public static InvalidCommandException From(JsonException exception, Type? bodyType, ReadOnlyMemory<byte>? body = null)
    {
        var field = Field(exception.Path);
        if (exception.InnerException?.GetType().Name == "JsonReaderException" || exception.Path is null)
        {
            var reason = exception.InnerException?.Message ?? exception.Message;
            // Too deep is said of the body as a whole, wherever the reader gave up, as the bus says it.
            return TooDeep(reason)
                ? Invalid(Root, $"is nested deeper than {MaxDepth} levels.")
                : Invalid(field, "is not valid JSON: " + Plain(reason));
        }

        if (field == Root)
        {
            return bodyType is not null && body is { } json && Missing(bodyType, json) is { Count: > 0 } missing
                ? new InvalidCommandException("validation", Title, missing.ToDictionary(m => m, _ => Required))
                : NotAnObject();
        }

        var target = bodyType is null ? null : TypeAt(bodyType, exception.Path);
        return Invalid(field, target is null ? "has the wrong type." : Expectation(target));
    }

    /// <summary>
    /// Checks a bare JSON body before it is read into a type: it parses, is no deeper than <see cref="MaxDepth"/> and
    /// is an object. <paramref name="enveloped"/> bodies carry the command one level down, in MassTransit's envelope.
    /// </summary>
    public static InvalidCommandException? Check(ReadOnlyMemory<byte> body, bool enveloped)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth + (enveloped ? 1 : 0) });
            return document.RootElement.ValueKind == JsonValueKind.Object ? null : NotAnObject();
        }
        catch (JsonException e)
        {
            var reason = e.Message;
            return TooDeep(reason)
                ? Invalid(Root, $"is nested deeper than {MaxDepth} levels.")
                : Invalid(Root, "is not valid JSON: " + Plain(reason));
        }
    }

    /// <summary>What a value of <paramref name="type"/> must be, as the end of a sentence that starts with the field.</summary>
    public static string Expectation(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) => "must be a string.",
            _ when type == typeof(Guid) => "must be a UUID, e.g. 0b7c2f9e-5d1a-4c55-9a51-2f1b7e4f0a01.",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "must be an RFC 3339 time, e.g. 2017-05-23T09:15:00Z.",
            _ when type == typeof(Uri) => "must be an absolute URL, as a string.",
            _ when type == typeof(bool) => "must be true or false.",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "must be a whole number.",
            _ when type == typeof(decimal) || type == typeof(double) || type == typeof(float) => "must be a number.",
            _ when type.IsEnum => $"must be one of {string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.CamelCase.ConvertName))}.",
            _ when ElementType(type) is not null => "must be an array.",
            _ => "must be an object.",
        };
    }

    /// <summary>The <c>required</c> members of <paramref name="type"/> the JSON object lacks (or gives as null), in camelCase.</summary>
    private static List<string> Missing(Type type, ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth + 1 });
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("messageType", out _) && root.TryGetProperty("message", out var enveloped))
        {
            root = enveloped;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        var given = root.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.IsDefined(typeof(System.Runtime.CompilerServices.RequiredMemberAttribute), inherit: false) && !given.Contains(p.Name))
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))];
    }

    private static InvalidCommandException Invalid(string field, string message) =>
        new("validation", Title, new Dictionary<string, string[]> { [field] = [message] });

    /// <summary><c>$.recipients[0]</c> → <c>recipients[0]</c>; the body itself is <c>$</c>.</summary>
    private static string Field(string? path) =>
        string.IsNullOrEmpty(path) || path == Root ? Root : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    /// <summary>The reader's or serializer's words for nesting past the limit (not "Expected depth to be zero" of truncated JSON).</summary>
    private static bool TooDeep(string reason) =>
        reason.Contains("maximum allowed depth", StringComparison.Ordinal) || reason.Contains("maximum configured depth", StringComparison.Ordinal);

    /// <summary>The reader's message without its position suffix (line and byte), which means nothing to most readers.</summary>
    private static string Plain(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = (cut < 0 ? message : message[..cut]).Trim().TrimEnd('|').Trim();
        return text.EndsWith('.') ? text : text + ".";
    }

    /// <summary>The declared type at a JSON path of a body of <paramref name="root"/>, or null when the path leaves the type.</summary>
    private static Type? TypeAt(Type root, string path)
    {
        var type = root;
        foreach (Match segment in PathSegment().Matches(path))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (segment.Groups["index"].Success)
            {
                type = ElementType(type);
            }
            else
            {
                var name = segment.Groups["name"].Success ? segment.Groups["name"].Value : segment.Groups["quoted"].Value;
                type = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType ?? DictionaryValueType(type);
            }

            if (type is null)
            {
                return null;
            }
        }

        return type;
    }

    private static Type? DictionaryValueType(Type type) =>
        (type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))?.GetGenericArguments()[1];

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\[(?<index>\d+)\]|\['(?<quoted>[^']*)'\]")]
    private static partial Regex PathSegment();
}
