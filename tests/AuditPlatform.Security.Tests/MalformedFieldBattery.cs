using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using MassTransit;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.Security.Tests;

/// <summary>
/// Every field of every command, over HTTP and over the bus, given a value of the wrong type, and every command
/// given a null body and one nested deeper than allowed: each is refused naming the field and what it must be
///. Endpoints come from the services' routing tables and consumers from the services' assemblies,
/// so a new command is covered the day it is added.
/// </summary>
public sealed class MalformedFieldBattery(HostileFixture fixture) : IClassFixture<HostileFixture>
{
    private sealed record CommandEndpoint(string Service, string Method, string Route, Type Body, bool BodyOptional);

    private IEnumerable<CommandEndpoint> CommandEndpoints() =>
        from service in fixture.Providers
        from endpoint in service.Value.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
        let accepts = endpoint.Metadata.GetMetadata<IAcceptsMetadata>()
        where accepts?.RequestType is not null
        from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []
        select new CommandEndpoint(service.Key, method, "/" + endpoint.RoutePattern.RawText!.TrimStart('/'), accepts.RequestType!, accepts.IsOptional);

    /// <summary>A value of the wrong JSON type for a property, and the start of what the refusal must say.</summary>
    private static (JsonNode? Value, string Says) WrongValue(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) => (JsonValue.Create(42), "must be a string"),
            _ when type == typeof(Guid) => (JsonValue.Create("D-PHOTOS-1"), "must be a UUID"),
            _ when type == typeof(DateTimeOffset) => (JsonValue.Create("yesterday"), "must be an RFC 3339 time"),
            _ when type == typeof(Uri) => (JsonValue.Create(42), "must be an absolute URL"),
            _ when type == typeof(bool) => (JsonValue.Create("yes"), "must be true or false"),
            _ when type == typeof(int) || type == typeof(long) => (JsonValue.Create("many"), "must be a whole number"),
            _ when type != typeof(string) && type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)) => (JsonValue.Create("x"), "must be an array"),
            _ => (JsonValue.Create("x"), "must be an object"),
        };
    }

    private static IEnumerable<(string Field, JsonNode? Value, string Says)> WrongFields(Type body) =>
        body.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite || p.GetMethod is not null).Select(p =>
        {
            var (value, says) = WrongValue(p.PropertyType);
            return (JsonNamingPolicy.CamelCase.ConvertName(p.Name), value, says);
        });

    private static string Fill(string route) =>
        System.Text.RegularExpressions.Regex.Replace(route, "{([^}:]+)(:[^}]*)?}", m => m.Groups[2].Value == ":guid" ? Guid.NewGuid().ToString() : "US-FBI");

    /// <summary>An object nested <paramref name="depth"/> levels deep in a field no command has, which a reader would skip.</summary>
    private static string Nested(int depth) => "{\"extra\":" + new string('[', depth - 1) + new string(']', depth - 1) + "}";

    [Fact]
    public async Task Every_http_command_names_each_field_of_the_wrong_type_and_what_it_must_be()
    {
        var failures = 0;
        var endpoints = CommandEndpoints().ToList();
        Assert.Contains(endpoints, e => e.Route == "/disclosures");
        foreach (var endpoint in endpoints)
        {
            var cases = WrongFields(endpoint.Body).Select(f => (f.Field, Body: new JsonObject { [f.Field] = f.Value }.ToJsonString(), f.Says))
                .Append(("$", "[1]", "must be a JSON object"))
                .Append(("$", Nested(40), "is nested deeper than 32 levels"));
            // An optional body (acknowledging a notice) may be null; a required one may not.
            cases = endpoint.BodyOptional ? cases : cases.Append(("$", "null", "must be a JSON object"));
            foreach (var (field, body, says) in cases)
            {
                using var client = fixture.Services[endpoint.Service](Roles.Admin, null);
                using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), Fill(endpoint.Route)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                using var response = await client.SendAsync(request);
                var got = await SaysAsync(response, field);
                failures += SecurityTable.Record(endpoint.Service, $"{endpoint.Method} {endpoint.Route} with {body}", $"400 {field}: {says}", got.StartsWith($"400 {field}: {says}", StringComparison.Ordinal) ? $"400 {field}: {says}" : got) ? 0 : 1;
            }
        }

        Assert.Equal(0, failures);
    }

    [Fact]
    public async Task A_client_id_that_is_not_a_uuid_is_named_in_the_problem_details()
    {
        using var client = fixture.Services["intake"](Roles.Operator, null);
        using var response = await client.PostAsync("/disclosures", new StringContent("""{"disclosureId":"D-PHOTOS-1","title":"t"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("must be a UUID", problem.RootElement.GetProperty("errors").GetProperty("disclosureId")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_not_json_keeps_its_415_as_problem_details()
    {
        using var client = fixture.Services["intake"](Roles.Operator, null);
        using var response = await client.PostAsync("/disclosures", new StringContent("title=t", Encoding.UTF8, "text/plain"));
        Assert.Equal(415, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<string> SaysAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            using var problem = JsonDocument.Parse(text);
            return problem.RootElement.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out var messages)
                ? $"{(int)response.StatusCode} {field}: {messages[0].GetString()}"
                : $"{(int)response.StatusCode} without {field} in errors";
        }
        catch (JsonException)
        {
            return $"{(int)response.StatusCode} {(text.Length == 0 ? "with no body" : "without problem details")}";
        }
    }

    /// <summary>Every consumer that checks its sender's token: the commands, by service, with their queues.</summary>
    private static IEnumerable<(string Queue, Type Command)> CommandConsumers() =>
        from assembly in new[] { typeof(AuditPlatform.Intake.IntakeApp).Assembly, typeof(AuditPlatform.Notification.NotificationApp).Assembly, typeof(AuditPlatform.Escalation.EscalationApp).Assembly, typeof(AuditPlatform.Audit.AuditApp).Assembly }
        from consumer in assembly.GetTypes()
        where !consumer.IsAbstract && consumer.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(BusCaller)))
        from contract in consumer.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
        let service = assembly.GetName().Name!.Split('.')[^1].ToLowerInvariant()
        // The queue as BusSetup's endpoint name formatter names it: intake-record-disclosure.
        select ($"{service}-{KebabCaseEndpointNameFormatter.Instance.SanitizeName(consumer.Name[..^"Consumer".Length])}", contract.GetGenericArguments()[0]);

    /// <summary>The first field a contract requires (a <c>required</c> member), in camelCase.</summary>
    private static string? RequiredField(Type contract) =>
        contract.GetProperties().FirstOrDefault(p => p.IsDefined(typeof(System.Runtime.CompilerServices.RequiredMemberAttribute), false)) is { } property
            ? JsonNamingPolicy.CamelCase.ConvertName(property.Name)
            : null;

    [Fact]
    public async Task Every_bus_command_refuses_a_malformed_body_with_the_fields_and_what_they_must_be()
    {
        var consumers = CommandConsumers().ToList();
        Assert.Equal(6, consumers.Count);
        await using var probe = await BusProbe.ConnectAsync(fixture.Bus);
        var token = fixture.Token(Roles.Admin);
        var sent = new List<(string Queue, string Command, Guid Id, string Body, string Says)>();
        foreach (var (queue, command) in consumers)
        {
            var cases = WrongFields(command).Select(f => (Body: new JsonObject { [f.Field] = f.Value }.ToJsonString(), Says: $"{f.Field}: {f.Says}"))
                .Append(("null", "$: must be a JSON object"))
                .Concat(RequiredField(command) is { } required ? [("{}", $"{required}: is required")] : [])
                .Append((Nested(40), $"$: is nested deeper than 32 levels"));
            foreach (var (body, says) in cases)
            {
                var id = Guid.NewGuid();
                await probe.PublishRawAsync(command.Name, body, id, token);
                sent.Add((queue, command.Name, id, body, says));
            }
        }

        var refused = new Dictionary<Guid, string>();
        foreach (var queue in sent.Select(s => s.Queue).Distinct())
        {
            var expected = sent.Where(s => s.Queue == queue).Select(s => s.Id).ToHashSet();
            await Eventually.TrueAsync(async () =>
            {
                while (await probe.GetAsync(queue + "_error") is { } message)
                {
                    if (message.MessageId is { } id && expected.Contains(id))
                    {
                        refused[id] = message.Headers.GetValueOrDefault("MT-Fault-Message") ?? string.Empty;
                    }
                }

                return expected.All(refused.ContainsKey);
            }, $"every malformed command in {queue}_error: {string.Join(", ", sent.Where(s => s.Queue == queue && !refused.ContainsKey(s.Id)).Select(s => s.Body))}");
        }

        var failures = 0;
        foreach (var (queue, command, id, body, says) in sent)
        {
            var reason = refused[id];
            failures += SecurityTable.Record("bus", $"{command} with {(body.Length > 40 ? body[..40] + "…" : body)}", says, reason.Contains(says, StringComparison.Ordinal) ? says : reason) ? 0 : 1;
        }

        Assert.Equal(0, failures);
    }
}
