namespace AuditPlatform.Contracts;

/// <summary>Classification of shared material, as lower-case strings on the wire.</summary>
public static class Classifications
{
    /// <summary>OFFICIAL.</summary>
    public const string Official = "official";

    /// <summary>SECRET.</summary>
    public const string Secret = "secret";

    /// <summary>TOP SECRET.</summary>
    public const string TopSecret = "top-secret";

    /// <summary>Every classification, lowest first.</summary>
    public static readonly IReadOnlyList<string> All = [Official, Secret, TopSecret];
}

/// <summary>Severity of a breach, as lower-case strings on the wire.</summary>
public static class Severities
{
    /// <summary>Low.</summary>
    public const string Low = "low";

    /// <summary>Medium.</summary>
    public const string Medium = "medium";

    /// <summary>High.</summary>
    public const string High = "high";

    /// <summary>Critical.</summary>
    public const string Critical = "critical";

    /// <summary>Every severity, lowest first.</summary>
    public static readonly IReadOnlyList<string> All = [Low, Medium, High, Critical];
}

/// <summary>Kinds of diplomatic response a partner can give.</summary>
public static class ResponseKinds
{
    /// <summary>The partner acknowledges the complaint.</summary>
    public const string Acknowledgement = "acknowledgement";

    /// <summary>The partner gives an assurance, optionally bounded by time and scope.</summary>
    public const string Assurance = "assurance";

    /// <summary>The partner denies responsibility.</summary>
    public const string Denial = "denial";

    /// <summary>The partner reports remedial action taken.</summary>
    public const string Remediation = "remediation";

    /// <summary>The partner has opened an investigation.</summary>
    public const string Investigation = "investigation";

    /// <summary>Every response kind.</summary>
    public static readonly IReadOnlyList<string> All = [Acknowledgement, Assurance, Denial, Remediation, Investigation];
}

/// <summary>How a partner receives notices.</summary>
public static class ChannelKinds
{
    /// <summary>The partner's RabbitMQ queue <c>partner.&lt;code&gt;</c>.</summary>
    public const string Bus = "bus";

    /// <summary>A signed HTTP POST to the partner's URL.</summary>
    public const string Webhook = "webhook";

    /// <summary>Every channel kind.</summary>
    public static readonly IReadOnlyList<string> All = [Bus, Webhook];
}

/// <summary>Kinds of notice sent to partners.</summary>
public static class NoticeKinds
{
    /// <summary>Handling notice for a new disclosure: caveats and the recipient's fingerprint.</summary>
    public const string Handling = "handling";

    /// <summary>Breach notice to a partner that held a leaked item.</summary>
    public const string Breach = "breach";
}

/// <summary>Kinds of escalation case.</summary>
public static class CaseKinds
{
    /// <summary>A breach of trust by one or more partners.</summary>
    public const string Breach = "breach";

    /// <summary>Internal intelligence not written up by its deadline.</summary>
    public const string HandlingDelay = "handling-delay";
}

/// <summary>Names of the AMQP headers the platform sets on published events.</summary>
public static class BusHeaders
{
    /// <summary>The ledger's global sequence of the event a message was forwarded from.</summary>
    public const string LedgerSequence = "Audit-Ledger-Sequence";

    /// <summary>The ledger stream the event belongs to, <c>kind/id</c>.</summary>
    public const string LedgerStream = "Audit-Ledger-Stream";
}
