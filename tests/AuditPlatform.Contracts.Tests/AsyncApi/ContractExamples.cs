namespace AuditPlatform.Contracts.Tests.AsyncApi;

/// <summary>
/// One example per contract message, from the story in <c>seeds/</c> (Manchester, May 2017). Typed, so an example
/// cannot name a field the contract does not have; a new contract type without an example fails the tests.
/// </summary>
public static class ContractExamples
{
    private static readonly Guid Disclosure = Guid.Parse("0b7c2f9e-5d1a-4c55-9a51-2f1b7e4f0a01");
    private static readonly Guid Breach = Guid.Parse("5f0c1e2d-3b4a-4d6e-8f70-9a1b2c3d4e5f");
    private static readonly Guid Case = Guid.Parse("c2a9e7d4-61b3-4f08-9d2e-7a5b3c1f0e94");
    private static readonly Guid Notice = Guid.Parse("8e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b");
    private static readonly Guid Response = Guid.Parse("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
    private static readonly Guid Item = Guid.Parse("9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a");
    private static readonly DateTimeOffset Shared = new(2017, 5, 23, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Leaked = new(2017, 5, 24, 18, 0, 0, TimeSpan.Zero);
    private const string Sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string FingerprintDhs = "3c1f0e94a2b7d6c5e4f30918273645a1";

    public static IReadOnlyDictionary<Type, object> All { get; } = new Dictionary<Type, object>
    {
        [typeof(RecordDisclosure)] = new RecordDisclosure
        {
            DisclosureId = Disclosure,
            Originator = "UK-GMP",
            Title = "Scene photographs",
            Classification = Classifications.Secret,
            Caveats = ["UK-EYES-ONLY-UNTIL-RELEASE"],
            ContentSha256 = Sha256,
            Recipients = ["US-FBI", "US-DHS"],
            SharedBy = "GMP liaison officer",
            OccurredAt = Shared,
        },
        [typeof(ReportBreach)] = new ReportBreach
        {
            BreachId = Breach,
            Fingerprint = FingerprintDhs,
            Outlet = "New York Times",
            ObservedAt = Leaked,
            Severity = Severities.Critical,
            Description = "Photographs of the device and rucksack published",
            ReportedBy = "GMP",
        },
        [typeof(RecordPartnerResponse)] = new RecordPartnerResponse
        {
            ResponseId = Response,
            Partner = "US-DHS",
            BreachId = Breach,
            Kind = ResponseKinds.Assurance,
            Statement = "We will do whatever we can to honour that.",
            Respondent = "US Ambassador",
            OccurredAt = new DateTimeOffset(2017, 5, 25, 12, 0, 0, TimeSpan.Zero),
            ValidUntil = new DateTimeOffset(2018, 5, 25, 0, 0, 0, TimeSpan.Zero),
            Scope = ["UK-EYES-ONLY-UNTIL-RELEASE"],
        },
        [typeof(AcknowledgeNotice)] = new AcknowledgeNotice
        {
            NoticeId = Notice,
            Partner = "US-DHS",
            By = "DHS duty officer",
            OccurredAt = new DateTimeOffset(2017, 5, 23, 8, 5, 0, TimeSpan.Zero),
        },
        [typeof(SuspendSharing)] = new SuspendSharing
        {
            Partner = "US-DHS",
            By = "escalation policy, level 2",
            Reason = "Photographs published by the New York Times",
            CaseId = Case,
            OccurredAt = new DateTimeOffset(2017, 5, 25, 9, 0, 0, TimeSpan.Zero),
        },
        [typeof(RestoreSharing)] = new RestoreSharing
        {
            Partner = "US-DHS",
            By = "GMP duty officer",
            Reason = "Assurance accepted",
            CaseId = Case,
            OccurredAt = new DateTimeOffset(2017, 5, 26, 9, 0, 0, TimeSpan.Zero),
        },
        [typeof(PartnerRegistered)] = new PartnerRegistered
        {
            Code = "US-DHS",
            Name = "Department of Homeland Security",
            Country = "United States",
            ChannelKind = ChannelKinds.Webhook,
            WebhookUrl = new Uri("https://partner.example/hook"),
            OccurredAt = new DateTimeOffset(2017, 5, 22, 23, 30, 0, TimeSpan.Zero),
        },
        [typeof(DisclosureRecorded)] = new DisclosureRecorded
        {
            DisclosureId = Disclosure,
            Originator = "UK-GMP",
            Title = "Scene photographs",
            Classification = Classifications.Secret,
            Caveats = ["UK-EYES-ONLY-UNTIL-RELEASE"],
            Recipients = [new RecipientFingerprint { Partner = "US-DHS", Fingerprint = FingerprintDhs }],
            SharedBy = "GMP liaison officer",
            OccurredAt = Shared,
        },
        [typeof(SharingBlocked)] = new SharingBlocked
        {
            DisclosureId = Guid.Parse("6a1d3c8e-2b7f-4f0e-9d55-0c3c1f0b9e10"),
            Originator = "UK-GMP",
            Title = "Identity of the attacker",
            Recipients = ["US-FBI", "US-DHS"],
            Classification = Classifications.Secret,
            Caveats = ["UK-EYES-ONLY-UNTIL-RELEASE"],
            SuspendedPartners = ["US-DHS"],
            SharedBy = "GMP liaison officer",
            OccurredAt = new DateTimeOffset(2017, 5, 25, 10, 0, 0, TimeSpan.Zero),
        },
        [typeof(BreachReported)] = new BreachReported
        {
            BreachId = Breach,
            DisclosureId = Disclosure,
            Fingerprint = FingerprintDhs,
            Outlet = "New York Times",
            ObservedAt = Leaked,
            Severity = Severities.Critical,
            Description = "Photographs of the device and rucksack published",
            ReportedBy = "GMP",
            ExposureSet = ["US-DHS", "US-FBI"],
            AttributedPartner = "US-DHS",
            Classification = Classifications.Secret,
            Caveats = ["UK-EYES-ONLY-UNTIL-RELEASE"],
            OccurredAt = Leaked,
        },
        [typeof(HandlingDeadlineMissed)] = new HandlingDeadlineMissed
        {
            ItemId = Item,
            Source = "agent handler",
            AssessedAt = new DateTimeOffset(2017, 3, 1, 9, 0, 0, TimeSpan.Zero),
            Deadline = new DateTimeOffset(2017, 3, 1, 17, 0, 0, TimeSpan.Zero),
            ReportedAt = new DateTimeOffset(2017, 3, 3, 9, 0, 0, TimeSpan.Zero),
            OccurredAt = new DateTimeOffset(2017, 3, 1, 17, 0, 0, TimeSpan.Zero),
        },
        [typeof(SharingSuspended)] = new SharingSuspended
        {
            Partner = "US-DHS",
            By = "escalation policy, level 2",
            Reason = "Photographs published by the New York Times",
            CaseId = Case,
            OccurredAt = new DateTimeOffset(2017, 5, 25, 9, 0, 0, TimeSpan.Zero),
        },
        [typeof(SharingRestored)] = new SharingRestored
        {
            Partner = "US-DHS",
            By = "GMP duty officer",
            Reason = "Assurance accepted",
            CaseId = Case,
            OccurredAt = new DateTimeOffset(2017, 5, 26, 9, 0, 0, TimeSpan.Zero),
        },
        [typeof(PartnerNotified)] = new PartnerNotified
        {
            NoticeId = Notice,
            Partner = "US-DHS",
            Kind = NoticeKinds.Handling,
            DisclosureId = Disclosure,
            Channel = ChannelKinds.Webhook,
            Fingerprint = FingerprintDhs,
            OccurredAt = new DateTimeOffset(2017, 5, 23, 8, 0, 2, TimeSpan.Zero),
        },
        [typeof(NoticeAcknowledged)] = new NoticeAcknowledged
        {
            NoticeId = Notice,
            Partner = "US-DHS",
            By = "DHS duty officer",
            OccurredAt = new DateTimeOffset(2017, 5, 23, 8, 5, 0, TimeSpan.Zero),
        },
        [typeof(DiplomaticResponseRecorded)] = new DiplomaticResponseRecorded
        {
            ResponseId = Response,
            Partner = "US-DHS",
            BreachId = Breach,
            CaseId = Case,
            Kind = ResponseKinds.Assurance,
            Statement = "We will do whatever we can to honour that.",
            Respondent = "US Ambassador",
            ValidUntil = new DateTimeOffset(2018, 5, 25, 0, 0, 0, TimeSpan.Zero),
            Scope = ["UK-EYES-ONLY-UNTIL-RELEASE"],
            OccurredAt = new DateTimeOffset(2017, 5, 25, 12, 0, 0, TimeSpan.Zero),
        },
        [typeof(EscalationOpened)] = new EscalationOpened
        {
            CaseId = Case,
            Kind = CaseKinds.Breach,
            BreachId = Breach,
            Partners = ["US-DHS"],
            Level = 2,
            LevelName = "agency",
            Deadline = new DateTimeOffset(2017, 5, 25, 18, 0, 0, TimeSpan.Zero),
            OccurredAt = Leaked,
        },
        [typeof(EscalationRaised)] = new EscalationRaised
        {
            CaseId = Case,
            FromLevel = 2,
            Level = 3,
            LevelName = "ministerial",
            Deadline = new DateTimeOffset(2017, 5, 28, 18, 0, 0, TimeSpan.Zero),
            By = "deadline",
            Reason = "No adequate response within PT24H",
            OccurredAt = new DateTimeOffset(2017, 5, 25, 18, 0, 0, TimeSpan.Zero),
        },
        [typeof(EscalationResolved)] = new EscalationResolved
        {
            CaseId = Case,
            By = "GMP duty officer",
            Reason = "Assurance accepted",
            RestoreSharing = true,
            OccurredAt = new DateTimeOffset(2017, 5, 26, 9, 0, 0, TimeSpan.Zero),
        },
        [typeof(CheckpointSigned)] = new CheckpointSigned
        {
            Sequence = 1024,
            Root = "b567c0cbb2e85c295e6ade930e5bb349a4b9bee9489caa7d6b679dd46e82a711",
            SignedAt = new DateTimeOffset(2017, 5, 26, 10, 0, 0, TimeSpan.Zero),
            Signature = "MEUCIQDx1J6sJ0bq9n2Qw6l8mZ2t4uV5c7YkR8aP3eF1gH2iJwIgK3lM4nO5pQ6rS7tU8vW9xY0zA1bC2dE3fG4hI5jK6lM=",
            PublicKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEexampleexampleexampleexampleexampleexampleexampleexampleexampleexample==",
            // Signed by the test key of docs/services/audit.md (seed 0x00…0x1f): it verifies with the verifier key below.
            Note = "auditplatform.local/ledger\n1024\ntWfAy7LoXCleat6TDluzSaS5vulInKp9a2ed1G6CpxE=\n\n\u2014 auditplatform.local/ledger YWQTKoafe6WsFolKN/5gZ7bwdwQHNr8GVYw1YJLmTFb93fWWYWDWwcjgyfb4s5Wo9RVFEgT+hpOBAaxpQcn1BXaHBwg=\n",
            VerifierKey = "auditplatform.local/ledger+6164132a+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
        },
        [typeof(CommandRefused)] = new CommandRefused
        {
            NoticeId = Guid.Parse("4b7e1f3a-2c5d-8e9f-a0b1-c2d3e4f5a6b7"),
            Partner = "US-FBI",
            MessageId = "fbi-share-0042",
            Command = nameof(RecordDisclosure),
            Problem = "validation",
            Reason = "The command's body is not valid. disclosureId: must be a UUID, e.g. 0b7c2f9e-5d1a-4c55-9a51-2f1b7e4f0a01.",
            Errors = new Dictionary<string, string[]> { ["disclosureId"] = ["must be a UUID, e.g. 0b7c2f9e-5d1a-4c55-9a51-2f1b7e4f0a01."] },
            RefusedAt = new DateTimeOffset(2017, 5, 23, 9, 15, 2, TimeSpan.Zero),
        },
    };
}
