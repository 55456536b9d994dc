using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Audit.Chain;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>What the tamper tests ask of Audit: an answer that must succeed, and whether a consistency proof holds.</summary>
internal static class ChainChecks
{
    public static async Task<JsonElement> GetOkAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The proof from <c>/audit/consistency</c> checked against the two roots it names (RFC 6962).</summary>
    public static bool Consistent(JsonElement c) => Merkle.VerifyConsistency(
        c.GetProperty("fromSize").GetInt64(), c.GetProperty("toSize").GetInt64(),
        Convert.FromHexString(c.GetProperty("fromRoot").GetString()!), Convert.FromHexString(c.GetProperty("toRoot").GetString()!),
        c.GetProperty("path").EnumerateArray().Select(h => Convert.FromHexString(h.GetString()!)).ToList());
}
