using System.Text;
using System.Text.Json;
using AuditPlatform.Contracts;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;

namespace AuditPlatform.ServiceDefaults.Tests;

public class MalformedBodySpecs
{
    private sealed record Channel(string? Kind, Uri? WebhookUrl);

    private sealed record Body(Guid? Id, IReadOnlyList<Guid>? Items, Channel? Channel, DateTimeOffset? At, bool? Urgent);

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { MaxDepth = MalformedBody.MaxDepth };

    private static InvalidCommandException Refusal<T>(string json)
    {
        var exception = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<T>(json, Web));
        return MalformedBody.From(exception, typeof(T), Encoding.UTF8.GetBytes(json));
    }

    [Theory]
    [InlineData("""{"id":"D-PHOTOS-1"}""", "id", "must be a UUID")]
    [InlineData("""{"items":["3f2a1b4c-0000-4000-8000-000000000001","x"]}""", "items[1]", "must be a UUID")]
    [InlineData("""{"items":"x"}""", "items", "must be an array")]
    [InlineData("""{"channel":{"webhookUrl":42}}""", "channel.webhookUrl", "must be an absolute URL")]
    [InlineData("""{"channel":"bus"}""", "channel", "must be an object")]
    [InlineData("""{"at":"yesterday"}""", "at", "must be an RFC 3339 time")]
    [InlineData("""{"urgent":"yes"}""", "urgent", "must be true or false")]
    [InlineData("""[1]""", "$", "must be a JSON object")]
    [InlineData("""{"id":""", "id", "is not valid JSON")]
    public void A_value_the_body_type_cannot_hold_is_named_by_its_path_with_what_it_must_be(string json, string field, string says)
    {
        var refused = Refusal<Body>(json);

        Assert.Equal("validation", refused.ProblemType);
        Assert.StartsWith(says, Assert.Single(refused.Errors[field]), StringComparison.Ordinal);
        Assert.Contains($"{field}: {says}", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_contract_missing_its_required_fields_names_each_one()
    {
        var refused = Refusal<AcknowledgeNotice>("""{"by":"desk"}""");

        Assert.Equal(["noticeId", "partner"], refused.Errors.Keys.Order());
        Assert.All(refused.Errors.Values, messages => Assert.Equal(["is required."], messages));
    }

    [Theory]
    [InlineData(32, false)]
    [InlineData(33, true)]
    [InlineData(40, true)]
    public void A_bare_body_may_be_nested_as_deep_as_http_allows_and_no_deeper(int depth, bool refused)
    {
        var json = "{\"extra\":" + new string('[', depth - 1) + new string(']', depth - 1) + "}";

        var refusal = MalformedBody.Check(Encoding.UTF8.GetBytes(json), enveloped: false);

        Assert.Equal(refused, refusal is not null);
        Assert.Equal(refused, Record.Exception(() => JsonSerializer.Deserialize<JsonElement>(json, Web)) is not null);
        if (refusal is not null)
        {
            Assert.Equal(["is nested deeper than 32 levels."], refusal.Errors["$"]);
        }
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"a string\"")]
    [InlineData("[]")]
    public void A_body_that_is_not_an_object_is_refused_before_it_is_read(string json) =>
        Assert.Equal(["must be a JSON object with the command's fields."], MalformedBody.Check(Encoding.UTF8.GetBytes(json), enveloped: false)!.Errors["$"]);
}
