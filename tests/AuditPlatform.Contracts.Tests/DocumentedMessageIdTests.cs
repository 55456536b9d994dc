using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AuditPlatform.ServiceDefaults.Messaging;

namespace AuditPlatform.Contracts.Tests;

/// <summary>
/// The derivation of a client id from a non-UUID AMQP <c>message_id</c>, as the docs spell it out for integrators, is the
/// platform's own: each documented test vector is computed through <see cref="NameBasedIds"/>, with the prefix
/// <see cref="ClientIds"/> uses (which <c>IntakeBusTests</c> checks end to end on a real bus).
/// </summary>
public sealed partial class DocumentedMessageIdTests
{
    private const string Prefix = "auditplatform/message-id/";

    public static TheoryData<string> Documents => new() { "docs/integrators.md", "docs/contract.md" };

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_documented_test_vector_is_the_client_id_the_platform_derives(string document)
    {
        var text = File.ReadAllText(Path.Combine(AsyncApiTests.RepositoryRoot(), document));
        Assert.Contains($"`{Prefix}", text, StringComparison.Ordinal);

        var vectors = TestVector().Matches(text);
        Assert.NotEmpty(vectors);
        Assert.All(vectors, vector =>
        {
            var messageId = vector.Groups["input"].Value;
            Assert.Equal(vector.Groups["id"].Value, NameBasedIds.From(Prefix + messageId).ToString("D"));
            Assert.Equal(vector.Groups["id"].Value, AsDocumented(Prefix + messageId));
        });
    }

    /// <summary>The steps the docs give, taken literally: SHA-256, first 16 bytes, version and variant bits, hex in byte order.</summary>
    private static string AsDocumented(string name)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(name))[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(bytes);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    [GeneratedRegex(@"Test vector:\s+`message_id` `(?<input>[^`]+)` →.{0,200}?client id `(?<id>[0-9a-f-]{36})`", RegexOptions.Singleline)]
    private static partial Regex TestVector();
}
