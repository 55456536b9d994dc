using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AuditPlatform.Notification.Notices.Delivery;

namespace AuditPlatform.Contracts.Tests.AsyncApi;

/// <summary>
/// Writes the AsyncAPI 3.0 document of the bus from the contracts assembly: a channel per message exchange, per
/// consumer queue and its <c>_error</c> queue, and the <c>partner.{code}</c> queues; payload schemas from
/// <see cref="JsonSchemaExporter"/> with the XML doc comments as descriptions; one example per message.
/// </summary>
public static partial class AsyncApiDocument
{
    /// <summary>The checked-in document, relative to the repository root.</summary>
    public const string RelativePath = "docs/asyncapi/asyncapi.json";

    /// <summary>camelCase, as the services read and write the contract.</summary>
    public static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    private static readonly JsonSerializerOptions Output = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly Dictionary<string, string> Docs = LoadDocs();

    public static string Render() => Build().ToJsonString(Output).ReplaceLineEndings("\n") + "\n";

    public static JsonObject Build()
    {
        var messages = BusTopology.MessageTypes
            .OrderByDescending(t => Route(t).IsCommand)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var channels = new JsonObject();
        var operations = new JsonObject();
        var componentMessages = new JsonObject();
        var schemas = new JsonObject();

        foreach (var type in messages)
        {
            var name = type.Name;
            var route = Route(type);
            schemas[name] = SchemaFor(type);
            componentMessages[name] = MessageFor(type, route);
            var exchange = BusTopology.ExchangeFor(name);
            channels[name] = new JsonObject
            {
                ["address"] = exchange,
                ["title"] = exchange,
                ["description"] = $"The fanout exchange of {name}. Published by: {string.Join(", ", route.Senders)}." +
                    (route.Consumers.Count == 0 ? " No platform service consumes it; bind your own queue to read it." : string.Empty),
                ["messages"] = new JsonObject { [name] = Ref($"#/components/messages/{name}") },
                ["bindings"] = new JsonObject { ["amqp"] = ExchangeBinding(exchange) },
            };
            operations["publish" + name] = new JsonObject
            {
                ["action"] = "send",
                ["channel"] = Ref($"#/channels/{name}"),
                ["summary"] = route.IsCommand ? $"Send the {name} command." : $"The ledger forwarder publishes {name} once its ledger event is committed.",
                ["messages"] = new JsonArray(Ref($"#/channels/{name}/messages/{name}")),
            };

            foreach (var service in route.Consumers)
            {
                var queue = BusTopology.QueueFor(service, name);
                var error = BusTopology.ErrorQueueFor(queue);
                channels[queue] = QueueChannel(queue, name, $"{Capitalise(service)} consumes {name} here (bound through the exchange `{queue}` to `{exchange}`).");
                channels[error] = QueueChannel(error, name, $"Messages {Capitalise(service)} refused or could not read, unchanged, with the reason in the header `MT-Fault-Message`. Nothing is dropped silently.");
                operations[$"{service}Consumes{name}"] = ReceiveOperation(queue, name, $"{Capitalise(service)} consumes {name}.");
                operations[$"{service}Refused{name}"] = ReceiveOperation(error, name, $"Operators inspect {name} messages {Capitalise(service)} refused.");
            }
        }

        schemas[nameof(NoticeMessage)] = SchemaFor(typeof(NoticeMessage));
        componentMessages[nameof(NoticeMessage)] = NoticeMessageFor();
        channels["partnerQueue"] = PartnerQueueChannel();
        operations["receivePartnerNotice"] = new JsonObject
        {
            ["action"] = "receive",
            ["channel"] = Ref("#/channels/partnerQueue"),
            ["summary"] = "A partner reads its handling and breach notices from its own queue.",
            ["messages"] = new JsonArray(Ref($"#/channels/partnerQueue/messages/{nameof(NoticeMessage)}")),
        };
        schemas["MassTransitEnvelope"] = Envelope();

        return new JsonObject
        {
            ["asyncapi"] = "3.0.0",
            ["info"] = new JsonObject
            {
                ["title"] = "AuditPlatform bus",
                ["version"] = typeof(RecordDisclosure).Assembly.GetName().Version!.ToString(3),
                ["description"] = "Commands and events of the AuditPlatform public contract on RabbitMQ (vhost `audit`). Generated from the " +
                    "`AuditPlatform.Contracts` assembly by `tests/AuditPlatform.Contracts.Tests` (`UPDATE_ASYNCAPI=1` rewrites it); do not edit by hand.\n\n" +
                    "Commands are accepted as plain JSON (the command's fields, camelCase, no envelope) published to the command's exchange; " +
                    "commands from outside the platform carry the sender's token in the AMQP header `Authorization`. Without a client id in " +
                    "the body, the AMQP `message_id` is the client id. Events are published by each service's ledger forwarder in " +
                    "MassTransit's JSON envelope (`message` holds the body); the AMQP `message_id` is the ledger event id (drop repeats by it) " +
                    "and the header `Audit-Ledger-Sequence` the global ledger sequence. Delivery is at least once.",
            },
            ["defaultContentType"] = "application/json",
            ["servers"] = new JsonObject
            {
                ["local"] = new JsonObject
                {
                    ["host"] = "127.0.0.1:5672",
                    ["pathname"] = "/audit",
                    ["protocol"] = "amqp",
                    ["protocolVersion"] = "0.9.1",
                    ["description"] = "RabbitMQ as deploy/local/up.sh runs it; each party logs in as its own user (integrators: partner-<CODE>).",
                },
            },
            ["channels"] = channels,
            ["operations"] = operations,
            ["components"] = new JsonObject
            {
                ["messages"] = componentMessages,
                ["schemas"] = schemas,
            },
        };
    }

    /// <summary>The example's payload as it travels: the body of a command, the envelope of an event.</summary>
    public static JsonNode ExamplePayload(JsonObject document, string message) =>
        document["components"]!["messages"]![message]!["examples"]![0]!["payload"]!;

    private static Route Route(Type type) =>
        BusTopology.Routes.TryGetValue(type.Name, out var route)
            ? route
            : throw new InvalidOperationException($"{type.Name} has no route in {nameof(BusTopology)}.{nameof(BusTopology.Routes)}: say who sends it and who consumes it.");

    private static JsonObject MessageFor(Type type, Route route)
    {
        var name = type.Name;
        var example = ContractExamples.All.TryGetValue(type, out var value)
            ? JsonSerializer.SerializeToNode(value, type, Wire)!
            : throw new InvalidOperationException($"{name} has no example in {nameof(ContractExamples)}.");
        var headers = new JsonObject();
        var required = new JsonArray();
        if (route.NeedsToken)
        {
            headers["Authorization"] = new JsonObject { ["type"] = "string", ["pattern"] = "^Bearer .+$", ["description"] = "The sender's JWT, checked exactly as over HTTP." };
            required.Add("Authorization");
        }

        if (!route.IsCommand)
        {
            headers["Audit-Ledger-Sequence"] = new JsonObject { ["type"] = "integer", ["description"] = "The global ledger sequence of the event." };
            headers["Audit-Ledger-Stream"] = new JsonObject { ["type"] = "string", ["description"] = "The ledger stream, `kind/id`." };
            headers["traceparent"] = new JsonObject { ["type"] = "string", ["description"] = "W3C trace context of the request that appended the event." };
        }

        var body = Ref($"#/components/schemas/{name}");
        return new JsonObject
        {
            ["name"] = name,
            ["title"] = name,
            ["summary"] = Docs.GetValueOrDefault("T:" + type.FullName) ?? name,
            ["contentType"] = route.IsCommand ? "application/json" : "application/vnd.masstransit+json",
            ["headers"] = new JsonObject { ["type"] = "object", ["properties"] = headers, ["required"] = required },
            ["payload"] = route.IsCommand
                ? body
                : new JsonObject { ["allOf"] = new JsonArray(Ref("#/components/schemas/MassTransitEnvelope"), new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["message"] = body } }) },
            ["bindings"] = new JsonObject { ["amqp"] = new JsonObject { ["messageType"] = $"urn:message:{BusTopology.Namespace}:{name}", ["bindingVersion"] = "0.3.0" } },
            ["examples"] = new JsonArray(new JsonObject
            {
                ["name"] = Kebab(name),
                ["payload"] = route.IsCommand ? example : EnvelopeExample(name, example),
            }),
        };
    }

    private static JsonObject EnvelopeExample(string name, JsonNode message) => new()
    {
        ["messageId"] = "0198f5c2-7a3e-7c41-9b2d-5e6f7a8b9c0d",
        ["messageType"] = new JsonArray($"urn:message:{BusTopology.Namespace}:{name}"),
        ["sentTime"] = "2017-05-24T18:00:01Z",
        ["headers"] = new JsonObject { ["Audit-Ledger-Sequence"] = 1024 },
        ["message"] = message,
    };

    private static JsonObject Envelope() => new()
    {
        ["type"] = "object",
        ["description"] = "MassTransit's JSON envelope, in which the platform publishes events; integrators read `message`.",
        ["required"] = new JsonArray("messageId", "messageType", "message"),
        ["properties"] = new JsonObject
        {
            ["messageId"] = new JsonObject { ["type"] = "string", ["format"] = "uuid", ["description"] = "The ledger event id; a repeat has the same id." },
            ["messageType"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" }, ["description"] = "`urn:message:AuditPlatform.Contracts:<Type>`." },
            ["sentTime"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
            ["headers"] = new JsonObject { ["type"] = "object" },
            ["message"] = new JsonObject { ["type"] = "object", ["description"] = "The event's body." },
        },
    };

    private static JsonObject NoticeMessageFor()
    {
        var example = new NoticeMessage(
            Guid.Parse("8e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"), "US-DHS", NoticeKinds.Handling, Guid.Parse("0b7c2f9e-5d1a-4c55-9a51-2f1b7e4f0a01"), null,
            Classifications.Secret, ["UK-EYES-ONLY-UNTIL-RELEASE"], "Scene photographs", "3c1f0e94a2b7d6c5e4f30918273645a1b2c3d4e5f60718293a4b5c6d7e8f9012",
            null, null, null, null, null, null, new DateTimeOffset(2017, 5, 23, 8, 0, 1, TimeSpan.Zero));
        return new JsonObject
        {
            ["name"] = nameof(NoticeMessage),
            ["title"] = "Partner notice",
            ["summary"] = "A handling or breach notice to a partner, as bare camelCase JSON (no envelope). The same bytes are POSTed to a webhook partner, " +
                "signed in the header `X-Audit-Signature: sha256=<hex HMAC-SHA256 of the body with the partner's secret>`.",
            ["contentType"] = "application/json",
            ["payload"] = Ref($"#/components/schemas/{nameof(NoticeMessage)}"),
            ["bindings"] = new JsonObject { ["amqp"] = new JsonObject { ["messageType"] = "notice", ["bindingVersion"] = "0.3.0" } },
            ["examples"] = new JsonArray(new JsonObject { ["name"] = "handling-notice", ["payload"] = JsonNode.Parse(example.ToUtf8Json()) }),
        };
    }

    private static JsonObject PartnerQueueChannel() => new()
    {
        ["address"] = "partner.{code}",
        ["title"] = "partner.<code>",
        ["description"] = "A partner's own durable queue of notices, fed by Notification through the default exchange with publisher confirms. " +
            "The AMQP `message_id` is the notice id (drop repeats by it); a partner's user (`partner-<CODE>`) may read only its own queue.",
        ["parameters"] = new JsonObject { ["code"] = new JsonObject { ["description"] = "The partner code, e.g. US-DHS." } },
        ["messages"] = new JsonObject { [nameof(NoticeMessage)] = Ref($"#/components/messages/{nameof(NoticeMessage)}") },
        ["bindings"] = new JsonObject
        {
            ["amqp"] = new JsonObject
            {
                ["is"] = "queue",
                ["queue"] = new JsonObject { ["name"] = "partner.{code}", ["durable"] = true, ["exclusive"] = false, ["autoDelete"] = false, ["vhost"] = "audit" },
                ["bindingVersion"] = "0.3.0",
            },
        },
    };

    private static JsonObject QueueChannel(string queue, string message, string description) => new()
    {
        ["address"] = queue,
        ["title"] = queue,
        ["description"] = description,
        ["messages"] = new JsonObject { [message] = Ref($"#/components/messages/{message}") },
        ["bindings"] = new JsonObject
        {
            ["amqp"] = new JsonObject
            {
                ["is"] = "queue",
                ["queue"] = new JsonObject { ["name"] = queue, ["durable"] = true, ["exclusive"] = false, ["autoDelete"] = false, ["vhost"] = "audit" },
                ["bindingVersion"] = "0.3.0",
            },
        },
    };

    private static JsonObject ReceiveOperation(string channel, string message, string summary) => new()
    {
        ["action"] = "receive",
        ["channel"] = Ref($"#/channels/{channel}"),
        ["summary"] = summary,
        ["messages"] = new JsonArray(Ref($"#/channels/{channel}/messages/{message}")),
    };

    private static JsonObject ExchangeBinding(string exchange) => new()
    {
        ["is"] = "routingKey",
        ["exchange"] = new JsonObject { ["name"] = exchange, ["type"] = "fanout", ["durable"] = true, ["autoDelete"] = false, ["vhost"] = "audit" },
        ["bindingVersion"] = "0.3.0",
    };

    private static JsonNode SchemaFor(Type type)
    {
        var exporter = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, schema) =>
            {
                if (schema is not JsonObject node)
                {
                    return schema;
                }

                var member = context.PropertyInfo?.AttributeProvider as MemberInfo;
                var key = member is PropertyInfo property ? $"P:{property.DeclaringType!.FullName}.{property.Name}" : context.PropertyInfo is null ? "T:" + context.TypeInfo.Type.FullName : null;
                if (key is not null && Docs.TryGetValue(key, out var text))
                {
                    node.Insert(0, "description", Plain(text));
                    if (VocabularyOf(text) is { } values)
                    {
                        node["enum"] = new JsonArray([.. values.Select(v => JsonValue.Create(v))]);
                    }
                }

                return node;
            },
        };
        return Wire.GetJsonSchemaAsNode(type, exporter);
    }

    /// <summary>A property documented as "One of <c>Classifications</c>" takes the values of that vocabulary's <c>All</c>.</summary>
    private static IReadOnlyList<string>? VocabularyOf(string doc)
    {
        var match = VocabularyReference().Match(doc);
        return match.Success
            ? typeof(RecordDisclosure).Assembly.GetType(match.Groups[1].Value)?.GetField("All")?.GetValue(null) as IReadOnlyList<string>
            : null;
    }

    private static string Plain(string doc) => CrefReference().Replace(doc, m => m.Groups[1].Value.Split('.')[^1]);

    private static string Capitalise(string service) => char.ToUpperInvariant(service[0]) + service[1..];

    private static string Kebab(string name) => BusTopology.Kebab(name);

    private static JsonObject Ref(string path) => new() { ["$ref"] = path };

    /// <summary>Summaries from the XML documentation files of the contracts and Notification, with <c>see</c> kept as <c>{cref}</c> text.</summary>
    private static Dictionary<string, string> LoadDocs()
    {
        var docs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var assembly in new[] { typeof(RecordDisclosure).Assembly, typeof(NoticeMessage).Assembly })
        {
            var file = Path.ChangeExtension(assembly.Location, ".xml");
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"The XML documentation of {assembly.GetName().Name} was not copied beside it.", file);
            }

            foreach (var member in XDocument.Load(file).Descendants("member"))
            {
                if (member.Element("summary") is { } summary)
                {
                    var text = string.Concat(summary.Nodes().Select(n => n switch
                    {
                        XElement { Name.LocalName: "see" } see => "{" + (string?)see.Attribute("cref") + "}",
                        XElement element => element.Value,
                        XText plain => plain.Value,
                        _ => string.Empty,
                    }));
                    docs[(string)member.Attribute("name")!] = WhiteSpace().Replace(text, " ").Trim();
                }
            }
        }

        return docs;
    }

    [GeneratedRegex(@"\{[A-Z]:([^}]+)\}")]
    private static partial Regex CrefReference();

    [GeneratedRegex(@"One of \{T:([^}]+)\}")]
    private static partial Regex VocabularyReference();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
