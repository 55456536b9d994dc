// A node:test reporter that writes a Visual Studio TRX file, so deploy/local/test.sh counts these tests with the
// .NET ones (it sums every <Counters/> under its results directory). Used as
//   node --test --test-reporter=./trx-reporter.mjs --test-reporter-destination=<file>.trx
// Suites (describe) become the class name; each test is one UnitTestResult.
import { createHash, randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import path from 'node:path';

const TEST_TYPE = '13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b';
const NOT_IN_A_LIST = '8c84fa94-04c1-424b-9868-57a2d4851a1d';
const ALL_LOADED = '19431567-8539-422a-85d7-44ee4e166bda';

const xml = (text) => String(text ?? '')
  // Characters XML 1.0 cannot carry (ANSI colour escapes in assertion messages, say) are dropped.
  // eslint-disable-next-line no-control-regex
  .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
  .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A stable id per test name, so one test keeps its id from run to run. */
const stableId = (text) => {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

const duration = (ms = 0) => {
  const total = Math.max(0, ms) / 1000;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = (total % 60).toFixed(7).padStart(10, '0');
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}:${seconds}`;
};

const errorText = (error) => {
  if (!error) return { message: '', stack: '' };
  const cause = error.cause ?? error;
  const message = cause?.message ?? String(cause);
  return { message: error.failureType && error.failureType !== 'testCodeFailure' ? `${error.failureType}: ${message}` : message, stack: cause?.stack ?? '' };
};

export default async function* trxReporter(source) {
  const started = new Date();
  const stack = [];
  const results = [];
  for await (const event of source) {
    const data = event.data ?? {};
    if (event.type === 'test:start') {
      stack[data.nesting] = data.name;
      stack.length = data.nesting + 1;
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // A suite is counted only when it fails on its own (a hook, say); its tests are counted themselves.
    if (data.details?.type === 'suite' && (event.type === 'test:pass' || data.details?.error?.failureType === 'subtestsFailed')) continue;
    const file = data.file ? path.basename(data.file) : 'interop-node';
    const className = ['interop-node', ...stack.slice(0, data.nesting)].join('.');
    const outcome = event.type === 'test:fail' ? 'Failed' : data.skip || data.todo ? 'NotExecuted' : 'Passed';
    const end = new Date();
    results.push({
      name: data.name, className, file, outcome, ms: data.details?.duration_ms ?? 0,
      start: new Date(end.getTime() - (data.details?.duration_ms ?? 0)), end,
      error: outcome === 'Failed' ? errorText(data.details?.error) : null,
      skipReason: typeof data.skip === 'string' ? data.skip : typeof data.todo === 'string' ? data.todo : '',
    });
  }

  const finished = new Date();
  const passed = results.filter((r) => r.outcome === 'Passed').length;
  const failed = results.filter((r) => r.outcome === 'Failed').length;
  const notExecuted = results.filter((r) => r.outcome === 'NotExecuted').length;
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<TestRun id="${randomUUID()}" name="interop-node ${xml(started.toISOString())}" runUser="${xml(userInfo().username)}" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">`,
    `  <Times creation="${started.toISOString()}" queuing="${started.toISOString()}" start="${started.toISOString()}" finish="${finished.toISOString()}" />`,
    '  <Results>',
  ];
  for (const r of results) {
    r.testId = stableId(`${r.className}.${r.name}`);
    r.executionId = randomUUID();
    lines.push(`    <UnitTestResult executionId="${r.executionId}" testId="${r.testId}" testName="${xml(r.name)}" computerName="${xml(hostname())}" duration="${duration(r.ms)}" startTime="${r.start.toISOString()}" endTime="${r.end.toISOString()}" testType="${TEST_TYPE}" outcome="${r.outcome}" testListId="${NOT_IN_A_LIST}" relativeResultsDirectory="${r.executionId}">`);
    if (r.error) {
      lines.push(`      <Output><ErrorInfo><Message>${xml(r.error.message)}</Message><StackTrace>${xml(r.error.stack)}</StackTrace></ErrorInfo></Output>`);
    } else if (r.skipReason) {
      lines.push(`      <Output><StdOut>${xml(r.skipReason)}</StdOut></Output>`);
    }
    lines.push('    </UnitTestResult>');
  }
  lines.push('  </Results>', '  <TestDefinitions>');
  for (const r of results) {
    lines.push(`    <UnitTest name="${xml(r.name)}" storage="${xml(r.file)}" id="${r.testId}">`,
      `      <Execution id="${r.executionId}" />`,
      `      <TestMethod codeBase="${xml(r.file)}" adapterTypeName="executor://node-test-runner" className="${xml(r.className)}" name="${xml(r.name)}" />`,
      '    </UnitTest>');
  }
  lines.push('  </TestDefinitions>', '  <TestEntries>');
  for (const r of results) {
    lines.push(`    <TestEntry testId="${r.testId}" executionId="${r.executionId}" testListId="${NOT_IN_A_LIST}" />`);
  }
  lines.push('  </TestEntries>', '  <TestLists>',
    `    <TestList name="Results Not in a List" id="${NOT_IN_A_LIST}" />`,
    `    <TestList name="All Loaded Results" id="${ALL_LOADED}" />`,
    '  </TestLists>',
    `  <ResultSummary outcome="${failed > 0 ? 'Failed' : 'Completed'}">`,
    `    <Counters total="${results.length}" executed="${passed + failed}" passed="${passed}" failed="${failed}" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="${notExecuted}" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />`,
    '  </ResultSummary>',
    '</TestRun>', '');
  yield lines.join('\n');
}
