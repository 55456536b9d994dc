namespace AuditPlatform.ServiceDefaults.Ledger;

/// <summary>
/// Ledger stream keys are <c>kind/id</c> (<c>partner/US-FBI</c>, <c>disclosure/…</c>), so that one
/// shared ledger can be filtered by kind with a prefix range on the stream key index.
/// </summary>
public static class StreamKey
{
    public static string For(string kind, string id) => $"{kind}/{id}";

    public static string For(string kind, Guid id) => For(kind, id.ToString("D"));

    public static (string Kind, string Id) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (string.Empty, key) : (key[..slash], key[(slash + 1)..]);
    }
}

/// <summary>The stream kinds of the ledger, shared by every service and the Audit queries.</summary>
public static class StreamKinds
{
    public const string Partner = "partner";
    public const string Disclosure = "disclosure";
    public const string Breach = "breach";
    public const string Intelligence = "intelligence";
    public const string Notice = "notice";
    public const string Response = "response";
    public const string Case = "case";
    public const string Checkpoint = "checkpoint";

    public static readonly IReadOnlyList<string> All = [Partner, Disclosure, Breach, Intelligence, Notice, Response, Case, Checkpoint];
}
