using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.Security.Tests;

/// <summary>
/// Every endpoint of every service, found from the services' own routing tables, so a new endpoint is
/// covered the day it is added: no token, each wrong role, hostile strings in every path, query and body
/// field the OpenAPI document names, oversize and deeply nested bodies.
/// </summary>
public sealed class HttpBattery(HostileFixture fixture) : IClassFixture<HostileFixture>
{
    public static readonly string[] HostileStrings =
    [
        "' OR '1'='1' --",
        "x'); drop table ledger.mt_events; --",
        "<script>alert(1)</script>",
        "../../../../etc/passwd",
        "${jndi:ldap://127.0.0.1/x}",
        "\u0000\u202e",
    ];

    private static readonly (string Role, string? Partner)[] Callers =
        [(Roles.Operator, null), (Roles.Compliance, null), (Roles.Integrator, "US-FBI"), (Roles.Admin, null)];

    private sealed record Endpoint(string Service, string Method, string Route, IReadOnlyList<string> Policies, bool Anonymous);

    private IEnumerable<Endpoint> Endpoints() =>
        from service in fixture.Providers
        from endpoint in service.Value.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
        let methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]
        from method in methods
        let route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/')
        where !route.StartsWith("/openapi", StringComparison.Ordinal)
        select new Endpoint(service.Key, method, route,
            [.. endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>()],
            endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null);

    private static string Fill(string route, string value) =>
        System.Text.RegularExpressions.Regex.Replace(route, "{([^}:]+)(:[^}]*)?}", m => m.Groups[2].Value switch
        {
            ":guid" => Guid.NewGuid().ToString(),
            ":long" or ":int" => "1",
            // A NUL in a path is refused by the HTTP server itself, before any service code runs.
            _ => Uri.EscapeDataString(value.Replace("\u0000", string.Empty, StringComparison.Ordinal)),
        });

    private static HttpRequestMessage Request(string method, string path, string? body = "{}") =>
        new(new HttpMethod(method), path) { Content = method is "GET" or "DELETE" || body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };

    private async Task<bool> AllowsAsync(Endpoint endpoint, string role, string? partner)
    {
        var provider = fixture.Providers[endpoint.Service];
        var authorization = provider.GetRequiredService<IAuthorizationService>();
        var policies = provider.GetRequiredService<IAuthorizationPolicyProvider>();
        var user = DevTokens.Principal(role, partner);
        foreach (var name in endpoint.Policies)
        {
            var policy = await policies.GetPolicyAsync(name);
            if (policy is not null && !(await authorization.AuthorizeAsync(user, policy)).Succeeded)
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public async Task Every_protected_endpoint_refuses_a_caller_without_a_token()
    {
        var failures = 0;
        foreach (var endpoint in Endpoints().Where(e => !e.Anonymous))
        {
            using var client = fixture.Services[endpoint.Service](null, null);
            var response = await client.SendAsync(Request(endpoint.Method, Fill(endpoint.Route, "US-FBI")));
            failures += SecurityTable.Record(endpoint.Service, $"{endpoint.Method} {endpoint.Route} without a token", "401", ((int)response.StatusCode).ToString()) ? 0 : 1;
        }

        Assert.Equal(0, failures);
    }

    [Fact]
    public async Task Every_endpoint_refuses_each_role_it_does_not_allow_with_403()
    {
        var failures = 0;
        var checkedCases = 0;
        foreach (var endpoint in Endpoints().Where(e => !e.Anonymous))
        {
            foreach (var (role, partner) in Callers)
            {
                if (await AllowsAsync(endpoint, role, partner))
                {
                    continue;
                }

                using var client = fixture.Services[endpoint.Service](role, partner);
                var response = await client.SendAsync(Request(endpoint.Method, Fill(endpoint.Route, "US-FBI")));
                checkedCases++;
                failures += SecurityTable.Record(endpoint.Service, $"{endpoint.Method} {endpoint.Route} as {role}", "403", ((int)response.StatusCode).ToString()) ? 0 : 1;
            }
        }

        Assert.True(checkedCases > 0);
        Assert.Equal(0, failures);
    }

    [Fact]
    public async Task Hostile_strings_in_every_path_query_and_body_field_never_cause_a_500_or_a_stack_trace()
    {
        var failures = 0;
        foreach (var (service, factory) in fixture.Services)
        {
            using var admin = factory(Roles.Admin, null);
            using var openApi = JsonDocument.Parse(await admin.GetStringAsync("/openapi/v1.json"));
            var operations = Operations(openApi.RootElement).ToList();
            Assert.NotEmpty(operations);
            foreach (var (method, route, query, body) in operations)
            {
                if (route.EndsWith("/stream", StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var hostile in HostileStrings)
                {
                    var path = Fill(route, hostile) + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query.Select(q => $"{q}={Uri.EscapeDataString(hostile)}")));
                    var payload = body is null ? "{}" : Hostile(openApi.RootElement, body.Value, hostile, depth: 0)?.ToJsonString() ?? "{}";
                    foreach (var (role, partner) in Callers)
                    {
                        using var client = factory(role, partner);
                        var response = await client.SendAsync(Request(method, path, payload));
                        var text = await response.Content.ReadAsStringAsync();
                        var got = (int)response.StatusCode >= 500 || text.Contains("   at ", StringComparison.Ordinal) ? $"{(int)response.StatusCode} with details" : "no 500";
                        failures += SecurityTable.Record(service, $"{method} {route} as {role}: {Describe(hostile)}", "no 500", got) ? 0 : 1;
                    }
                }
            }
        }

        Assert.Equal(0, failures);
        await using var check = new Npgsql.NpgsqlConnection(fixture.Database);
        await check.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select count(*) from ledger.mt_events", check);
        Assert.True((long)(await command.ExecuteScalarAsync())! >= 0, "the ledger table is still there");
    }

    [Theory]
    [InlineData("oversize body", 300 * 1024, 1, "413")]
    [InlineData("deeply nested body", 10, 200, "400")]
    public async Task Oversize_and_deeply_nested_bodies_are_refused(string @case, int padding, int depth, string expected)
    {
        var failures = 0;
        foreach (var endpoint in Endpoints().Where(e => e.Method is "POST" or "PUT" && !e.Anonymous))
        {
            var body = new string('[', depth) + "\"" + new string('x', padding) + "\"" + new string(']', depth);
            using var client = fixture.Services[endpoint.Service](Roles.Admin, null);
            var response = await client.SendAsync(Request(endpoint.Method, Fill(endpoint.Route, "US-FBI"), body));
            failures += SecurityTable.Record(endpoint.Service, $"{endpoint.Method} {endpoint.Route}: {@case}", expected, ((int)response.StatusCode).ToString()) ? 0 : 1;
        }

        Assert.Equal(0, failures);
    }

    [Fact]
    public async Task An_integrator_cannot_share_as_another_partner_and_nothing_is_recorded()
    {
        using var fbi = fixture.Services["intake"](Roles.Integrator, "US-FBI");
        var id = Guid.NewGuid();
        var response = await fbi.SendAsync(Request("POST", "/disclosures", JsonSerializer.Serialize(new
        {
            disclosureId = id,
            originator = "US-DHS",
            title = "t",
            classification = "official",
            caveats = Array.Empty<string>(),
            contentSha256 = new string('e', 64),
            recipients = new[] { "US-FBI" },
            sharedBy = "x",
            occurredAt = "2017-05-23T08:00:00Z",
        })));

        Assert.True(SecurityTable.Record("intake", "integrator US-FBI shares as US-DHS over HTTP", "403", ((int)response.StatusCode).ToString()));
        Assert.Empty(await new LedgerReader(fixture.Database).ReadAsync($"disclosure/{id}"));
    }

    private static string Describe(string hostile)
    {
        var visible = string.Concat(hostile.Select(c => char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format ? $"\\u{(int)c:x4}" : c.ToString()));
        return visible.Length > 24 ? visible[..24] + "…" : visible;
    }

    private static IEnumerable<(string Method, string Route, List<string> Query, JsonElement? Body)> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var query = operation.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList()
                    : [];
                JsonElement? body = operation.Value.TryGetProperty("requestBody", out var requestBody)
                    && requestBody.GetProperty("content").TryGetProperty("application/json", out var json)
                    ? json.GetProperty("schema") : null;
                yield return (operation.Name.ToUpperInvariant(), path.Name, query, body);
            }
        }
    }

    /// <summary>A body shaped by the schema with the hostile string in every string and array field.</summary>
    private static JsonNode? Hostile(JsonElement document, JsonElement schema, string hostile, int depth)
    {
        if (depth > 6)
        {
            return null;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            return Hostile(document, document.GetProperty("components").GetProperty("schemas").GetProperty(name), hostile, depth + 1);
        }

        var type = schema.TryGetProperty("type", out var t) ? (t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().First(x => x.GetString() != "null").GetString() : t.GetString()) : "object";
        return type switch
        {
            "object" => new JsonObject(schema.TryGetProperty("properties", out var properties)
                ? properties.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, Hostile(document, p.Value, hostile, depth + 1)))
                : []),
            "array" => new JsonArray(schema.TryGetProperty("items", out var items) ? Hostile(document, items, hostile, depth + 1) : JsonValue.Create(hostile)),
            "boolean" => JsonValue.Create(true),
            "integer" or "number" => JsonValue.Create(-1),
            _ => JsonValue.Create(hostile),
        };
    }
}
