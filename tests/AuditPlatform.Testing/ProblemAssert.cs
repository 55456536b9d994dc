using System.Net;
using System.Text.Json;
using Xunit;

namespace AuditPlatform.Testing;

/// <summary>Assertions on RFC 9457 problem details.</summary>
public static class ProblemAssert
{
    /// <summary>A 400 problem whose field errors name the query parameter (or field) at fault.</summary>
    public static async Task NamesAsync(HttpResponseMessage response, string parameter)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.RequestMessage?.RequestUri}: {response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(parameter, out _), $"the problem names {parameter}: {body}");
    }
}
