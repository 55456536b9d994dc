# Shared by the suites that are not .NET test projects (tests/<suite>/run-suite.sh): one TRX file from a report of
# tab-separated rows "name<TAB>passed|failed<TAB>detail", so deploy/local/test.sh counts them with the rest.
#   write_trx <suite name> <report file> <trx file>; prints nothing, returns non-zero when a row failed.
# shellcheck shell=bash

write_trx() {
  local suite=$1 report=$2 trx=$3
  local now list results_xml="" definitions="" total=0 passed=0 name outcome detail test_id execution
  now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z); list=8c84fa94-04c1-424b-9868-57a2d4851a1d
  while IFS=$'\t' read -r name outcome detail; do
    total=$((total + 1)); test_id=$(trx_uuid); execution=$(trx_uuid); name=$(trx_xml "$name")
    if [ "$outcome" = passed ]; then
      passed=$((passed + 1))
      results_xml+="<UnitTestResult executionId=\"$execution\" testId=\"$test_id\" testName=\"$name\" computerName=\"$(hostname)\" duration=\"00:00:00\" startTime=\"$now\" endTime=\"$now\" testType=\"13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b\" outcome=\"Passed\" testListId=\"$list\"><Output><StdOut>$(trx_xml "$detail")</StdOut></Output></UnitTestResult>"
    else
      results_xml+="<UnitTestResult executionId=\"$execution\" testId=\"$test_id\" testName=\"$name\" computerName=\"$(hostname)\" duration=\"00:00:00\" startTime=\"$now\" endTime=\"$now\" testType=\"13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b\" outcome=\"Failed\" testListId=\"$list\"><Output><ErrorInfo><Message>$(trx_xml "$detail")</Message></ErrorInfo></Output></UnitTestResult>"
    fi
    definitions+="<UnitTest name=\"$name\" storage=\"$suite\" id=\"$test_id\"><Execution id=\"$execution\" /><TestMethod codeBase=\"$suite\" adapterTypeName=\"executor://$suite\" className=\"$suite\" name=\"$name\" /></UnitTest>"
  done < "$report"
  local failed=$((total - passed))
  cat > "$trx" <<TRX
<?xml version="1.0" encoding="utf-8"?>
<TestRun id="$(trx_uuid)" name="$suite" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Times creation="$now" queuing="$now" start="$now" finish="$now" />
  <Results>$results_xml</Results>
  <TestDefinitions>$definitions</TestDefinitions>
  <ResultSummary outcome="$([ $failed -eq 0 ] && echo Completed || echo Failed)">
    <Counters total="$total" executed="$total" passed="$passed" failed="$failed" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
  </ResultSummary>
</TestRun>
TRX
  TRX_PASSED=$passed TRX_FAILED=$failed
  [ $failed -eq 0 ]
}

trx_xml() { printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'; }
trx_uuid() { cat /proc/sys/kernel/random/uuid; }
