using System.Globalization;
using System.Security;
using System.Text;

namespace AuditPlatform.FaultBattery;

/// <summary>The outcome of one fault scenario, one row of the table and one test in the TRX file.</summary>
public sealed record ScenarioResult(
    string Fault, int Load, Tally Tally, int Unconfirmed, TimeSpan? Recovery, TimeSpan Settled, TimeSpan Duration,
    string? Observed, IReadOnlyList<string> Failures, string Chain = "n/a", string Proof = "n/a", TimeSpan? FaultTook = null)
{
    public bool Passed => Failures.Count == 0;
}

public static class Report
{
    public static string Table(IReadOnlyList<ScenarioResult> results, BatteryOptions options)
    {
        static string Seconds(TimeSpan? t) => t is { } v ? v.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "—";
        static string Of(int? found, int? expected, int? twice) =>
            expected is null ? "n/a" : $"{found}/{expected}" + (twice > 0 ? $" ({twice} twice)" : string.Empty);

        var text = new StringBuilder();
        var mode = (options.Quick ? "quick" : "full") + (options.Cluster ? ", three-node RabbitMQ cluster with quorum queues" : ", single RabbitMQ node");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Mode: {mode}; {options.Replicas} replica(s) per service; load {options.Rate} commands/s for {options.LoadFor.TotalSeconds:0} s per fault (disclosures, breaches, responses; half HTTP, half bus).");
        text.AppendLine();
        text.AppendLine("| fault | load | accepted | in ledger | lost | duplicated | notices | cases | fault took | recovery time | settled in | chain | proof | result |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|");
        foreach (var r in results)
        {
            var t = r.Tally;
            var notices = Of(t.NoticesFound, t.NoticesExpected, t.NoticesDuplicated);
            var cases = Of(t.CasesFound, t.CasesExpected, t.CasesDuplicated) + (t.Raised is { } raised ? $", {raised} raised" + (t.RaisedTwice > 0 ? $" ({t.RaisedTwice} twice)" : string.Empty) : string.Empty);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Fault} | {r.Load} | {t.Accepted} | {t.InLedger} | {t.Lost} | {t.Duplicated} | {notices} | {cases} | {Seconds(r.FaultTook)} | {Seconds(r.Recovery)} | {Seconds(r.Settled)} | {r.Chain} | {r.Proof} | {(r.Passed ? "pass" : "FAIL")} |");
        }

        foreach (var observed in results.Where(r => r.Observed is not null))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"{observed.Fault}: {observed.Observed}");
        }

        var slowest = results.Where(r => r.Recovery is not null).MaxBy(r => r.Recovery);
        if (slowest is not null)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Slowest recovery: {Seconds(slowest.Recovery)} ({slowest.Fault}). Fault took: from the start of the fault until the battery had applied it and undone it (a kill and the start again, a stop and the start, a freeze and the thaw); recovery time: from the start of the fault until every service reports ready again, each service looked at every 250 ms throughout (zero when none ever stopped being ready); settled in: from the end of the load until the ledger holds every accepted command and its notices and cases; cases: opened for the scenario's breaches, and the deadlines they were raised on (the battery's ladder lets one fall due every 6 s), each level at most once; chain: `auditctl verify` over the whole hash chain after the fault (events verified); proof: the RFC 6962 consistency proof from Audit's checkpoint before the fault to one covering the settled ledger (tree sizes), checked by the battery.");
        }

        foreach (var failed in results.Where(r => !r.Passed))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"**{failed.Fault}**: {string.Join("; ", failed.Failures)}");
        }

        return text.ToString();
    }

    /// <summary>A Visual Studio test results file: each fault scenario is one test, so the run's summary counts them.</summary>
    public static string Trx(IReadOnlyList<ScenarioResult> results, DateTimeOffset started, DateTimeOffset finished)
    {
        var listId = Guid.NewGuid();
        var rows = results.Select(r => (Result: r, TestId: Guid.NewGuid(), ExecutionId: Guid.NewGuid())).ToList();
        static string E(string s) => SecurityElement.Escape(s);
        static string Time(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);

        var xml = new StringBuilder();
        xml.AppendLine("""<?xml version="1.0" encoding="utf-8"?>""");
        xml.AppendLine(CultureInfo.InvariantCulture, $"""<TestRun id="{Guid.NewGuid()}" name="AuditPlatform.FaultBattery" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">""");
        xml.AppendLine(CultureInfo.InvariantCulture, $"""  <Times creation="{Time(started)}" queuing="{Time(started)}" start="{Time(started)}" finish="{Time(finished)}" />""");
        xml.AppendLine("  <Results>");
        foreach (var (r, testId, executionId) in rows)
        {
            var outcome = r.Passed ? "Passed" : "Failed";
            xml.AppendLine(CultureInfo.InvariantCulture,
                $"""    <UnitTestResult executionId="{executionId}" testId="{testId}" testName="{E(r.Fault)}" computerName="{E(Environment.MachineName)}" duration="{r.Duration:hh\:mm\:ss\.fffffff}" startTime="{Time(started)}" endTime="{Time(finished)}" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="{outcome}" testListId="{listId}">""");
            if (!r.Passed)
            {
                xml.AppendLine(CultureInfo.InvariantCulture, $"""      <Output><ErrorInfo><Message>{E(string.Join("; ", r.Failures))}</Message></ErrorInfo></Output>""");
            }

            xml.AppendLine("    </UnitTestResult>");
        }

        xml.AppendLine("  </Results>");
        xml.AppendLine("  <TestDefinitions>");
        foreach (var (r, testId, executionId) in rows)
        {
            xml.AppendLine(CultureInfo.InvariantCulture, $"""    <UnitTest name="{E(r.Fault)}" storage="auditplatform.faultbattery" id="{testId}">""");
            xml.AppendLine(CultureInfo.InvariantCulture, $"""      <Execution id="{executionId}" />""");
            xml.AppendLine(CultureInfo.InvariantCulture, $"""      <TestMethod codeBase="AuditPlatform.FaultBattery" adapterTypeName="executor://auditplatform/faultbattery" className="AuditPlatform.FaultBattery" name="{E(r.Fault)}" />""");
            xml.AppendLine("    </UnitTest>");
        }

        xml.AppendLine("  </TestDefinitions>");
        xml.AppendLine(CultureInfo.InvariantCulture, $"""  <TestLists><TestList name="Results Not in a List" id="{listId}" /></TestLists>""");
        var passed = results.Count(r => r.Passed);
        xml.AppendLine("  <ResultSummary outcome=\"" + (passed == results.Count ? "Completed" : "Failed") + "\">");
        xml.AppendLine(CultureInfo.InvariantCulture, $"""    <Counters total="{results.Count}" executed="{results.Count}" passed="{passed}" failed="{results.Count - passed}" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />""");
        xml.AppendLine("  </ResultSummary>");
        xml.AppendLine("</TestRun>");
        return xml.ToString();
    }
}
