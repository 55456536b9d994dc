using System.Security.Cryptography;
using AuditPlatform.Contracts;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.ServiceDefaults;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AuditPlatform.Benchmarks;

/// <summary>Micro-benchmarks of the functions every disclosure passes through: <c>bench micro [BenchmarkDotNet arguments]</c>.</summary>
[MemoryDiagnoser]
public class HotFunctions
{
    private readonly Fingerprints fingerprints = new(RandomNumberGenerator.GetBytes(32));
    private readonly Guid disclosure = Guid.CreateVersion7();
    private readonly RecordDisclosure command = new()
    {
        DisclosureId = Guid.CreateVersion7(),
        Originator = "US-FBI",
        Title = "Benchmark disclosure",
        Classification = Classifications.Secret,
        Caveats = ["NOFORN", "ORCON"],
        ContentSha256 = new string('a', 64),
        Recipients = ["US-DHS", "GB-MI5", "CA-CSIS"],
        SharedBy = "benchmark",
        OccurredAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>One recipient's fingerprint: HMAC-SHA256 of <c>disclosureId:partner</c>.</summary>
    [Benchmark]
    public string Fingerprint() => fingerprints.For(disclosure, "US-DHS");

    /// <summary>The request hash behind client-id idempotency: canonical JSON, then SHA-256.</summary>
    [Benchmark]
    public string RequestHash() => Idempotency.RequestHash(command);

    public static int Run(string[] args)
    {
        // In process: no separate build per benchmark, so it runs from the Release build as it is.
        var config = DefaultConfig.Instance.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator)
            .WithArtifactsPath(Path.Combine(Directory.GetCurrentDirectory(), ".local", "benchmark-artifacts"));
        var summary = BenchmarkSwitcher.FromTypes([typeof(HotFunctions)]).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
        return summary.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
