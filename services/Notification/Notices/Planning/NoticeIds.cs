using System.Text;
using AuditPlatform.ServiceDefaults.Messaging;

namespace AuditPlatform.Notification.Notices.Planning;

/// <summary>
/// Notice ids are derived from what caused them (kind, source id, partner), as a name-based UUID
/// (RFC 9562 §5.8, SHA-256 over a namespace and the name), so a redelivered or replayed event names the
/// same notice and can never open a second one.
/// </summary>
public static class NoticeIds
{
    private static readonly Guid Namespace = new("6f1c3c1e-3f7a-4d51-9a53-6b0e5b1c2d40");

    public static Guid For(string kind, Guid source, string partner)
    {
        var name = Encoding.UTF8.GetBytes($"{kind}:{source:D}:{partner}");
        var input = new byte[16 + name.Length];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        name.CopyTo(input, 16);
        return NameBasedIds.From(input);
    }
}
