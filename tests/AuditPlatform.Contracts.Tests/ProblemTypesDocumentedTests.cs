using System.Text.RegularExpressions;

namespace AuditPlatform.Contracts.Tests;

/// <summary>
/// Every problem type the code can answer with (over HTTP) or refuse a bus command with (the <c>_error</c> reason's
/// <c>problem</c>) is listed in contract.md's table, and the table lists nothing the code no longer produces.
/// The slugs are read from the sources: the places a refusal, a bus refusal or a framework problem names its type.
/// </summary>
public sealed partial class ProblemTypesDocumentedTests
{
    [Fact]
    public void Contract_md_lists_exactly_the_problem_types_the_code_can_produce()
    {
        var root = AsyncApiTests.RepositoryRoot();
        var produced = ProducedSlugs(root);
        Assert.Contains("validation", produced);
        Assert.Contains("sharing-suspended", produced);
        Assert.Contains("unauthenticated", produced);

        var documented = DocumentedSlugs(File.ReadAllText(Path.Combine(root, "docs/contract.md")));
        Assert.Empty(produced.Except(documented).Select(s => $"the code produces '{s}', which docs/contract.md's problem types do not list"));
        Assert.Empty(documented.Except(produced).Select(s => $"docs/contract.md lists '{s}', which no code produces"));
    }

    [Fact]
    public void Integrators_md_names_the_bus_refusals_an_integrator_command_can_get()
    {
        var root = AsyncApiTests.RepositoryRoot();
        var guide = File.ReadAllText(Path.Combine(root, "docs/integrators.md"));
        string[] bus = ["validation", "unauthenticated", "forbidden", "client-id-conflict", "unknown-partner", "unknown-notice", "other-partner", "error"];
        Assert.All(bus, slug => Assert.Contains($"`{slug}`", guide, StringComparison.Ordinal));
        Assert.Empty(bus.Except(ProducedSlugs(root)));
    }

    [Fact]
    public void The_intake_guide_lists_every_refusal_and_setting_of_Intake()
    {
        var root = AsyncApiTests.RepositoryRoot();
        var guide = File.ReadAllText(Path.Combine(root, "docs/services/intake.md"));
        var intake = Directory.EnumerateFiles(Path.Combine(root, "services/Intake"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText).ToList();

        var refusals = intake.SelectMany(s => ProducedSlug().Matches(s)).Select(m => m.Groups["slug"].Value).Distinct().ToList();
        Assert.NotEmpty(refusals);
        Assert.All(refusals, slug => Assert.Contains($"`{slug}`", guide, StringComparison.Ordinal));

        var settings = intake.SelectMany(s => IntakeSetting().Matches(s)).Select(m => m.Groups["name"].Value).Distinct().ToList();
        Assert.Contains("HandlingReportWithin", settings);
        Assert.All(settings, name => Assert.Contains($"Intake:{name}", guide, StringComparison.Ordinal));
        Assert.Contains($"| `{AuditPlatform.Intake.Intelligence.Assessing.ReportDeadline.Setting}` | `{AuditPlatform.Intake.Intelligence.Assessing.ReportDeadline.Default:c}` |", guide, StringComparison.Ordinal);
    }

    private static HashSet<string> ProducedSlugs(string root)
    {
        var sources = new[] { "services", "shared" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                // The command-line client only reads answers; it produces no problem of its own.
                && !f.Contains($"{Path.DirectorySeparatorChar}AuditCtl{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        return sources.SelectMany(f => ProducedSlug().Matches(File.ReadAllText(f)))
            .Select(m => m.Groups["slug"].Value)
            .ToHashSet(StringComparer.Ordinal);
    }

    private static HashSet<string> DocumentedSlugs(string contract)
    {
        var start = contract.IndexOf("### Problem types", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/contract.md has no '### Problem types' section");
        var end = contract.IndexOf("\n#", start + 1, StringComparison.Ordinal);
        var section = contract[start..(end < 0 ? contract.Length : end)];
        return DocumentedRow().Matches(section).Select(m => m.Groups["slug"].Value).ToHashSet(StringComparer.Ordinal);
    }

    // A refusal (new Refusal(kind, "slug", ...) or Refusal's own factories), Refusal.Unusable("slug", ...), an exception
    // handler's or endpoint's Problems.Refusal(StatusCodes.StatusNNN, "slug", ...), a bus caller's
    // Refused("slug", ...), an InvalidCommandException("slug", ...), Problems.Type("slug"), the framework's problems by
    // status (StatusCodes.Status404NotFound => "not-found", _ => "error") and a bus failure's ProblemType ?? "error".
    [GeneratedRegex("""(?:\bnew(?: Refusal)?\(RefusalKind\.\w+,\s*|Refusal\.Unusable\(\s*|Problems\.Refusal\(StatusCodes\.Status\w+,\s*|\bRefused\(\s*|InvalidCommandException\(\s*|Problems\.Type\(\s*|StatusCodes\.Status\w+ => |\b_ => |ProblemType \?\? )"(?<slug>[a-z]+(?:-[a-z]+)*)"[,)\s;]""")]
    private static partial Regex ProducedSlug();

    [GeneratedRegex("\"Intake:(?<name>[A-Za-z]+)\"")]
    private static partial Regex IntakeSetting();

    [GeneratedRegex(@"^\| `(?<slug>[a-z-]+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedRow();
}
