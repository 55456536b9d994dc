using System.Text.Json;
using System.Text.Json.Nodes;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Witnesses;
using AuditPlatform.Contracts.Tests.AsyncApi;
using AuditPlatform.Notification.Notices.Delivery;

namespace AuditPlatform.Contracts.Tests;

/// <summary>The checked-in AsyncAPI document is the one the contracts assembly generates, and it covers every message.</summary>
public sealed class AsyncApiTests
{
    private static readonly JsonSerializerOptions Strict = new(AsyncApiDocument.Wire)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    [Fact]
    public void The_checked_in_document_is_the_one_generated_from_the_contracts()
    {
        var path = Path.Combine(RepositoryRoot(), AsyncApiDocument.RelativePath);
        var generated = AsyncApiDocument.Render();
        if (Environment.GetEnvironmentVariable("UPDATE_ASYNCAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, generated);
        }

        Assert.True(File.Exists(path), $"{AsyncApiDocument.RelativePath} is missing: run the tests once with UPDATE_ASYNCAPI=1 and commit it.");
        var checkedIn = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.True(checkedIn == generated, $"{AsyncApiDocument.RelativePath} differs from what the contracts generate: run the tests with UPDATE_ASYNCAPI=1 and commit the result.");
    }

    [Fact]
    public void Every_contract_message_has_its_exchange_its_schema_and_an_example()
    {
        var document = AsyncApiDocument.Build();

        // The commands and events docs/contract.md names, PartnerRegistered, which Notification and Escalation consume, and
        // CommandRefused, which tells an integrator its bus command was refused.
        string[] contract =
        [
            "RecordDisclosure", "ReportBreach", "RecordPartnerResponse", "AcknowledgeNotice", "SuspendSharing", "RestoreSharing",
            "DisclosureRecorded", "SharingBlocked", "BreachReported", "PartnerNotified", "NoticeAcknowledged", "DiplomaticResponseRecorded",
            "EscalationOpened", "EscalationRaised", "EscalationResolved", "SharingSuspended", "SharingRestored", "HandlingDeadlineMissed",
            "CheckpointSigned", "PartnerRegistered", "CommandRefused",
        ];
        Assert.Equal(contract.Order(), BusTopology.MessageTypes.Select(t => t.Name).Order());
        Assert.Equal(BusTopology.MessageTypes.Select(t => t.Name).Order(), BusTopology.Routes.Keys.Order());
        foreach (var type in BusTopology.MessageTypes)
        {
            Assert.Equal($"AuditPlatform.Contracts:{type.Name}", document["channels"]![type.Name]!["address"]!.GetValue<string>());
            Assert.NotNull(document["components"]!["schemas"]![type.Name]!["properties"]);
            Assert.NotNull(document["operations"]!["publish" + type.Name]);
            Assert.NotNull(AsyncApiDocument.ExamplePayload(document, type.Name));
        }
    }

    [Fact]
    public void Each_consumer_queue_has_its_error_queue_and_partners_have_their_own_queue()
    {
        var channels = AsyncApiDocument.Build()["channels"]!.AsObject();

        Assert.Equal("intake-record-disclosure", channels["intake-record-disclosure"]!["address"]!.GetValue<string>());
        Assert.Equal("notification-acknowledge-notice_error", channels["notification-acknowledge-notice_error"]!["address"]!.GetValue<string>());
        Assert.Equal("escalation-handling-deadline-missed", channels["escalation-handling-deadline-missed"]!["address"]!.GetValue<string>());
        var queues = channels.Where(c => c.Value!["bindings"]!["amqp"]!["is"]!.GetValue<string>() == "queue").Select(c => c.Key).ToList();
        // The partner's queues (notices, witness requests) have no _error queue: nothing refuses what is on them.
        Assert.All(queues.Where(q => !q.EndsWith("_error", StringComparison.Ordinal) && q is not ("partnerQueue" or "witnessQueue")), q => Assert.Contains(q + "_error", queues));
        Assert.Equal("partner.{code}", channels["partnerQueue"]!["address"]!.GetValue<string>());
        Assert.Equal(WitnessBus.QueueFor("{code}"), channels["witnessQueue"]!["address"]!.GetValue<string>());
        Assert.Equal(WitnessBus.AnswerExchange, channels["witnessAnswers"]!["address"]!.GetValue<string>());
    }

    [Fact]
    public void The_witness_examples_are_what_the_witness_reads_and_the_log_verifies()
    {
        var document = AsyncApiDocument.Build();
        var request = AsyncApiDocument.ExamplePayload(document, "WitnessRequest").GetValue<string>();
        var answer = AsyncApiDocument.ExamplePayload(document, "WitnessAnswer").GetValue<string>();

        Assert.True(AddCheckpoint.TryParse(request, out var parsed, out var error), error);
        Assert.Equal(1024, parsed.OldSize);
        var checkpoint = CheckpointNote.Parse(parsed.Checkpoint);
        Assert.Equal(1311, checkpoint?.Size);
        // The cosignature line, appended to the checkpoint, verifies with the witness's key: it cosigned that very checkpoint.
        Assert.Equal([AsyncApiDocument.ExampleWitness.Name], Cosignature.CosignedBy(Cosignature.Append(parsed.Checkpoint, [answer]), [AsyncApiDocument.ExampleWitness]));
    }

    [Fact]
    public void Each_example_reads_back_into_its_contract_type()
    {
        var document = AsyncApiDocument.Build();
        foreach (var type in BusTopology.MessageTypes)
        {
            var payload = AsyncApiDocument.ExamplePayload(document, type.Name);
            var body = BusTopology.Routes[type.Name].IsCommand ? payload : payload["message"]!;

            var read = body.Deserialize(type, Strict);

            Assert.NotNull(read);
            Assert.Equal(ContractExamples.All[type], read, new RecordValueComparer());
        }

        var notice = AsyncApiDocument.ExamplePayload(document, nameof(NoticeMessage)).Deserialize<NoticeMessage>(Strict);
        Assert.Equal("US-DHS", notice?.Partner);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AuditPlatform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("AuditPlatform.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Records holding lists compare lists by reference; compare what they serialise to instead.</summary>
    private sealed class RecordValueComparer : IEqualityComparer<object>
    {
        public new bool Equals(object? x, object? y) =>
            JsonNode.DeepEquals(JsonSerializer.SerializeToNode(x, x?.GetType() ?? typeof(object), AsyncApiDocument.Wire), JsonSerializer.SerializeToNode(y, y?.GetType() ?? typeof(object), AsyncApiDocument.Wire));

        public int GetHashCode(object obj) => 0;
    }
}
