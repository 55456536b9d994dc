using System.Collections.Concurrent;
using System.Text;

namespace AuditPlatform.Security.Tests;

/// <summary>
/// Every hostile case tried, with what was expected and what happened; written as a Markdown table to
/// <c>$AUDIT_TEST_RESULTS/security.table.md</c>, which <c>deploy/local/test.sh</c> prints.
/// </summary>
public static class SecurityTable
{
    private static readonly ConcurrentQueue<(string Area, string Case, string Expected, string Got, bool Held)> Rows = new();

    public static bool Record(string area, string @case, string expected, string got)
    {
        var held = string.Equals(expected, got, StringComparison.Ordinal) || expected.Split(" or ").Contains(got);
        Rows.Enqueue((area, @case, expected, got, held));
        Flush();
        return held;
    }

    private static void Flush()
    {
        var directory = Environment.GetEnvironmentVariable("AUDIT_TEST_RESULTS");
        if (string.IsNullOrEmpty(directory))
        {
            return;
        }

        var table = new StringBuilder();
        table.AppendLine("| area | case | expected | got | |").AppendLine("|---|---|---|---|---|");
        foreach (var row in Rows.OrderBy(r => r.Area, StringComparer.Ordinal).ThenBy(r => r.Case, StringComparer.Ordinal))
        {
            table.AppendLine($"| {row.Area} | {row.Case.Replace("|", "\\|", StringComparison.Ordinal)} | {row.Expected} | {row.Got} | {(row.Held ? "ok" : "FAILED")} |");
        }

        table.AppendLine().AppendLine($"{Rows.Count} hostile cases, {Rows.Count(r => !r.Held)} not refused as expected.");
        lock (Rows)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "security.table.md"), table.ToString());
        }
    }
}
