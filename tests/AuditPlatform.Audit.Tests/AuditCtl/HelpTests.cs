extern alias ctl;
using System.CommandLine;
using Cli = ctl::AuditPlatform.AuditCtl.Cli;

namespace AuditPlatform.Audit.Tests.AuditCtl;

/// <summary>auditctl's --help: every command shows an example of its use, on its own page and in the root's list.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> Commands => [.. Cli.Build().Subcommands.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_command_s_help_shows_an_example_of_its_use(string command)
    {
        var help = Help(command, "--help");
        Assert.Contains($"Usage:\n  auditctl {command}", help.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var example = Assert.Single(help.Split('\n'), line => line.TrimStart().StartsWith("Example: ", StringComparison.Ordinal));
        Assert.StartsWith($"Example: auditctl {command} ", example.Trim(), StringComparison.Ordinal);
        Assert.True(Cli.Build().Parse(example.Trim()["Example: auditctl ".Length..].Replace("\"$VKEY\"", "KEY", StringComparison.Ordinal)).Errors.Count == 0, $"the example of {command} does not parse: {example}");
    }

    [Fact]
    public void The_root_help_lists_every_command_with_its_example()
    {
        var lines = Help("--help").Split('\n').Select(l => l.Trim()).ToList();
        foreach (var command in Cli.Build().Subcommands)
        {
            var at = lines.FindIndex(l => l.StartsWith(command.Name + " ", StringComparison.Ordinal) || l == command.Name);
            Assert.True(at >= 0, $"{command.Name} is not listed in the root help");
            Assert.StartsWith($"Example: auditctl {command.Name} ", lines[at + 1], StringComparison.Ordinal);
        }
    }

    private static string Help(params string[] args)
    {
        var output = new StringWriter();
        Assert.Equal(0, Cli.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output }));
        return output.ToString();
    }
}
