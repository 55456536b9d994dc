using System.Security.Cryptography;
using System.Text.Json;

namespace AuditPlatform.ServiceDefaults;

/// <summary>What to do with a create request that carries a client id.</summary>
public enum ClientIdOutcome
{
    /// <summary>Nothing was recorded under this id yet.</summary>
    New,

    /// <summary>The same request was recorded before: answer with the original result.</summary>
    Replay,

    /// <summary>The id was used for a different request: 409.</summary>
    Conflict,
}

/// <summary>Client-id idempotency, as the public contract (docs/contract.md) states it: same id and body replays, same id and other body conflicts.</summary>
public static class Idempotency
{
    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web);

    /// <summary>SHA-256 of the request's canonical JSON (camelCase, declared property order, times in UTC by the caller).</summary>
    public static string RequestHash<T>(T request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, Canonical)));

    public static ClientIdOutcome Decide(string? recordedHash, string requestHash) =>
        recordedHash is null ? ClientIdOutcome.New
        : string.Equals(recordedHash, requestHash, StringComparison.Ordinal) ? ClientIdOutcome.Replay
        : ClientIdOutcome.Conflict;
}
