using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace AuditPlatform.Contracts.Tests;

/// <summary><c>dotnet pack</c> of the contracts gives integrators a described package with its README and XML docs.</summary>
public sealed class PackageTests
{
    [Fact]
    public async Task The_contracts_package_carries_its_readme_xml_docs_and_metadata()
    {
        var output = Directory.CreateTempSubdirectory("contracts-pack-");
        try
        {
            // The assembly this test loaded was built in the same configuration: pack it without building again.
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var project = Path.Combine(AsyncApiTests.RepositoryRoot(), "shared", "AuditPlatform.Contracts", "AuditPlatform.Contracts.csproj");
            // Its own MSBuild, sharing no nodes or build servers with the `dotnet test` that runs this test.
            var (exitCode, log) = await RunAsync("dotnet", "pack", project, "--no-build", "-c", configuration, "-o", output.FullName, "-nologo",
                "-nodeReuse:false", "--disable-build-servers");
            Assert.True(exitCode == 0, log);

            var package = Assert.Single(output.GetFiles("AuditPlatform.Contracts.*.nupkg"));
            using var zip = ZipFile.OpenRead(package.FullName);
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("README.md", entries);
            Assert.Contains("lib/net10.0/AuditPlatform.Contracts.dll", entries);
            Assert.Contains("lib/net10.0/AuditPlatform.Contracts.xml", entries);

            XNamespace ns = "http://schemas.microsoft.com/packaging/2012/06/nuspec.xsd";
            await using var nuspec = zip.GetEntry("AuditPlatform.Contracts.nuspec")!.Open();
            var metadata = XDocument.Load(nuspec).Root!.Element(ns + "metadata")!;
            foreach (var field in new[] { "version", "authors", "description", "projectUrl", "tags", "readme" })
            {
                Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + field)?.Value), $"the nuspec has no {field}");
            }

            Assert.Equal("expression", metadata.Element(ns + "license")?.Attribute("type")?.Value);
            Assert.Equal("Apache-2.0", metadata.Element(ns + "license")?.Value);
            Assert.NotNull(zip.GetEntry("CHANGELOG.md"));
            Assert.NotNull(metadata.Element(ns + "repository")?.Attribute("url"));
            await using var docs = zip.GetEntry("lib/net10.0/AuditPlatform.Contracts.xml")!.Open();
            Assert.Contains(XDocument.Load(docs).Descendants("member"), m => (string?)m.Attribute("name") == "T:AuditPlatform.Contracts.RecordDisclosure");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Log)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
