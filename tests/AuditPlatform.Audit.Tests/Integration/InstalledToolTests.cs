extern alias ctl;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>
/// auditctl as a user gets it: the package a Release build leaves in .local/packages, installed with
/// <c>dotnet tool install --tool-path</c> as docs/services/audit.md says, run as a process against an Audit on a real socket.
/// </summary>
public sealed class InstalledToolTests(AuditFixture fixture) : IClassFixture<AuditFixture>, IDisposable
{
    private const string PackageId = "AuditPlatform.AuditCtl";

    private static readonly string Repository = Path.GetDirectoryName(PlatformFixture.RepositoryFile("nuget.config"))!;

    private readonly string toolPath = Directory.CreateTempSubdirectory("auditctl-tool-").FullName;

    [Fact]
    public async Task The_built_package_installs_as_a_dotnet_tool_whose_help_shows_examples_and_whose_verify_checks_a_real_ledger()
    {
        await EnsurePackageAsync();
        // The documented command, run in the checkout: nuget.config maps the package id to .local/packages, so nothing is downloaded.
        var install = await RunAsync(Dotnet, Repository, "tool", "install", "--tool-path", toolPath, PackageId);
        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains($"Tool '{PackageId.ToLowerInvariant()}' (version '", install.StdOut, StringComparison.Ordinal);
        var auditctl = Path.Combine(toolPath, "auditctl");

        var help = await RunAsync(auditctl, toolPath, "--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.StartsWith("Description:", help.StdOut, StringComparison.Ordinal);
        foreach (var command in new[] { "timeline", "events", "exposure", "export", "verify", "proof", "checkpoint", "verify-pack" })
        {
            Assert.Contains($"Example: auditctl {command} ", help.StdOut, StringComparison.Ordinal);
        }

        for (var i = 0; i < 3; i++)
        {
            await fixture.RegisterAsync($"TOOL-{i}");
        }

        var signed = await fixture.CheckpointAsync();
        await using var audit = fixture.AnotherAudit();
        var address = audit.ListenOnLoopback();
        var token = fixture.Token(Roles.Compliance, lifetime: TimeSpan.FromMinutes(10));
        var verify = await RunAsync(auditctl, toolPath, "verify", "--url", address.ToString(), "--token", token);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        var verdict = Regex.Match(verify.StdOut, $@"^VERIFIED: (?<count>\d+) events match the chain; latest checkpoint {signed} root [0-9a-f]{{64}} signed ");
        Assert.True(verdict.Success, verify.ToString());
        Assert.True(long.Parse(verdict.Groups["count"].Value, CultureInfo.InvariantCulture) >= signed, verify.StdOut);
        // stderr is a pipe here, so progress comes as plain lines (none in a verification this short) and then the closing figure.
        Assert.Matches($@"^checked {verdict.Groups["count"].Value} events in \d+\.\d s \([\d,]+ events/s\)\n$", verify.StdErr);
    }

    public void Dispose() => Directory.Delete(toolPath, recursive: true);

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>
    /// The package the Release build packed (test.sh and up.sh build Release); a Debug run packs it the same way first.
    /// Its version is the tool assembly's, so a package left by an older version is not taken for this one.
    /// </summary>
    private static async Task EnsurePackageAsync()
    {
        var version = typeof(ctl::AuditPlatform.AuditCtl.Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        var package = Path.Combine(Repository, ".local", "packages", $"{PackageId}.{version}.nupkg");
        if (!File.Exists(package))
        {
            var build = await RunAsync(Dotnet, Repository, "build", "services/AuditCtl", "-c", "Release", "-nologo", "-v", "quiet", "-clp:ErrorsOnly");
            Assert.True(build.ExitCode == 0, build.ToString());
        }

        Assert.True(File.Exists(package), $"the Release build did not leave {package}");
    }

    private static async Task<Outcome> RunAsync(string program, string directory, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The tool's own settings must come from its arguments, not from the environment the tests run in.
        start.Environment.Remove("AUDIT_URL");
        start.Environment.Remove("AUDIT_TOKEN");
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }

    private sealed record Outcome(int ExitCode, string StdOut, string StdErr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {StdOut}\nstderr: {StdErr}";
    }
}
