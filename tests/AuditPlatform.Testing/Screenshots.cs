namespace AuditPlatform.Testing;

/// <summary>
/// Where a browser test leaves its screenshot: beside the test results (<c>AUDIT_TEST_RESULTS</c>, set by
/// <c>deploy/local/test.sh</c>), so a test run never changes a tracked file; with <c>UPDATE_SCREENSHOTS=1</c>,
/// over the README's own image in docs/images.
/// </summary>
public static class Screenshots
{
    public static string PathFor(string fileName)
    {
        if (Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1")
        {
            return Path.Combine(Path.GetDirectoryName(PlatformFixture.RepositoryFile("AuditPlatform.sln"))!, "docs", "images", fileName);
        }

        var folder = Environment.GetEnvironmentVariable("AUDIT_TEST_RESULTS") is { Length: > 0 } results
            ? Path.Combine(results, "screenshots")
            : Path.Combine(Path.GetTempPath(), "auditplatform-screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, fileName);
    }
}
