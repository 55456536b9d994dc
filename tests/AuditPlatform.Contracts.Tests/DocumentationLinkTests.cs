using System.Text.RegularExpressions;

namespace AuditPlatform.Contracts.Tests;

/// <summary>
/// A clone of the repository is all a user has: every relative link in the README and under docs/ must
/// resolve to a file or folder inside it, and nothing may point at the folder beside the repository.
/// </summary>
public sealed partial class DocumentationLinkTests
{
    [Fact]
    public void Every_relative_link_in_the_documentation_resolves_inside_the_repository()
    {
        var root = Path.GetFullPath(AsyncApiTests.RepositoryRoot());
        var broken = new List<string>();
        foreach (var file in DocumentationFiles(root))
        {
            foreach (var target in RelativeLinks(File.ReadAllText(file)))
            {
                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, Uri.UnescapeDataString(target)));
                // "../shared/" also reads, to someone holding the repository's folder beside other things, as a way out of it.
                var inside = resolved.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    && !target.StartsWith("../shared/", StringComparison.Ordinal) && !target.Contains("/../shared/", StringComparison.Ordinal);
                if (!inside || !(File.Exists(resolved) || Directory.Exists(resolved)))
                {
                    broken.Add($"{Path.GetRelativePath(root, file)} -> {target}");
                }
            }
        }

        Assert.Empty(broken);
    }

    [Fact]
    public void No_document_or_source_names_the_team_reference_beside_the_repository()
    {
        var root = AsyncApiTests.RepositoryRoot();
        var extensions = new[] { ".md", ".cs", ".sh", ".json", ".yaml", ".js", ".mjs", ".html" };
        var offenders = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.Ordinal))
            .Where(f => !IsGenerated(root, f) && !f.EndsWith(nameof(DocumentationLinkTests) + ".cs", StringComparison.Ordinal))
            .Where(f => TeamReference.Any(name => File.ReadAllText(f).Contains(name, StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(root, f))
            .ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void The_link_scanner_finds_relative_links_and_skips_addresses_and_anchors()
    {
        var links = RelativeLinks("[a](docs/a.md) [b](https://example.org) [c](#part) [d](x.md#part) ![e](img/e.png \"t\")").ToList();
        Assert.Equal(["docs/a.md", "x.md", "img/e.png"], links);
    }

    // The team's own notes beside the repository; a user's clone has none of them.
    private static readonly string[] TeamReference = ["CONTRACT.md", "DESIGN.md", "STYLE.md"];

    private static IEnumerable<string> DocumentationFiles(string root) =>
        new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "shared"), "*.md", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "deploy"), "*.md", SearchOption.AllDirectories))
            .Where(f => !IsGenerated(root, f));

    private static bool IsGenerated(string root, string file)
    {
        var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
        return relative.Split('/').Any(part => part is "bin" or "obj" or "node_modules" or ".local" or ".git" or "TestResults");
    }

    private static IEnumerable<string> RelativeLinks(string markdown)
    {
        foreach (Match match in MarkdownLink().Matches(markdown))
        {
            var target = match.Groups["target"].Value;
            if (target.Length == 0 || target.StartsWith('#') || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            var anchor = target.IndexOf('#', StringComparison.Ordinal);
            yield return anchor < 0 ? target : target[..anchor];
        }
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]*)(\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLink();
}
