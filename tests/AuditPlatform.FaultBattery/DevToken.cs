using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AuditPlatform.FaultBattery;

/// <summary>An HS256 development token signed with the local key, as <c>deploy/local/lib.sh mint_token</c> makes them.</summary>
public static class DevToken
{
    public static string Mint(string signingKeyFile, string role)
    {
        var key = Convert.FromBase64String(File.ReadAllText(signingKeyFile).Trim());
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = "fault-battery-" + role,
            ["role"] = role,
            ["iss"] = "auditplatform-local",
            ["aud"] = "auditplatform",
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + 43200,
        }));
        var signature = Encode(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(header + "." + payload)));
        return $"{header}.{payload}.{signature}";
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
