namespace AuditPlatform.Audit.Witnesses;

/// <summary>
/// tlog-witness over the bus, for a partner whose witness the Audit service cannot reach over HTTP. The Audit service
/// publishes each <c>add-checkpoint</c> request (the same text as the HTTP body) to the direct exchange
/// <see cref="RequestExchange"/> with the partner's code as routing key, which reaches the durable queue
/// <c>witness.&lt;code&gt;</c> only that partner may read. The witness answers on the fanout exchange
/// <see cref="AnswerExchange"/>: the answer's body, its media type as <c>content_type</c>, the HTTP status it stands for
/// in the header <see cref="StatusHeader"/>, the request's <c>correlation_id</c>, and its own broker user as
/// <c>user_id</c> (the broker refuses a <c>user_id</c> that is not the publisher's, so an answer cannot claim to come
/// from another partner). Partners cannot write to any queue directly, which is why answers go through an exchange
/// and not to a <c>reply_to</c> queue. Linked into the witness program, so both sides use these names.
/// </summary>
public static class WitnessBus
{
    public const string RequestExchange = "audit.witness";
    public const string AnswerExchange = "audit.witness.answers";
    public const string RequestType = "add-checkpoint";
    public const string AnswerType = "add-checkpoint-answer";
    public const string StatusHeader = "status";
    public const string WitnessHeader = "witness";

    /// <summary>The queue a partner's witness reads its requests from.</summary>
    public static string QueueFor(string partner) => "witness." + partner;
}
