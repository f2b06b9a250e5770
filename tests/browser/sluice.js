// Helpers of the console's browser tests: a real sluice per test, a tiny AWS JSON 1.1
// client and the test controls over fetch, the pipelines the tests run, and
// Playwright fixtures (`sluice`, `consoleErrors`) built on them.
//
// sluice starts as `build/sluice --port 0 --clock manual --seed 7 --log-level warn
// [extra args]` (SLUICE_BIN names another binary) and prints one line,
// `sluice <version> listening on http://127.0.0.1:<port>`, from which the port is read.
// Nothing moves on the manual clock until a test advances it: with the default
// --action-duration-ms of 500, each `advance(0.5)` finishes the action running.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const base = require('@playwright/test');

const REPO = path.resolve(__dirname, '../..');
const SLUICE_BIN = process.env.SLUICE_BIN
  ? path.resolve(REPO, process.env.SLUICE_BIN)
  : path.resolve(__dirname, '../../build/sluice');
const BASE_ARGS = ['--port', '0', '--clock', 'manual', '--seed', '7'];
const LISTENING = /^sluice (\S+) listening on (http:\/\/127\.0\.0\.1:(\d+))\s*$/;

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const TARGET_PREFIX = 'CodePipeline_20150709.';
// What an action runs for under --action-duration-ms's default (500 ms), in seconds.
const ACTION_SECONDS = 0.5;

// --- errors --------------------------------------------------------------------

class AwsError extends Error {
  constructor(operation, status, body) {
    super(`${operation} answered ${status}: ${body.__type}: ${body.message}`);
    this.operation = operation;
    this.status = status;
    this.type = body.__type;
    this.body = body;
  }
}

class ControlError extends Error {
  constructor(method, route, status, body) {
    super(`${method} ${route} answered ${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

// --- the server ------------------------------------------------------------------

class Sluice {
  /** Starts sluice with BASE_ARGS plus `extraArgs`; resolves once it listens. */
  static async start(extraArgs = [], { timeoutMs = 10_000 } = {}) {
    if (!fs.existsSync(SLUICE_BIN)) {
      throw new Error(`no sluice binary at ${SLUICE_BIN}: build it first, or set SLUICE_BIN`);
    }
    // sluice reads SLUICE_* variables as options: none of the caller's leak in.
    const env = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('SLUICE_')) env[key] = value;
    }
    const args = [...BASE_ARGS, '--log-level', 'warn', ...extraArgs];
    const child = spawn(SLUICE_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new Sluice(child, args);
    await server._listening(timeoutMs);
    return server;
  }

  constructor(child, args) {
    this.child = child;
    this.args = args;
    this.stdout = '';
    this.stderr = '';
    this.exit = null;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk) => { this.stdout += chunk; });
    child.stderr.on('data', (chunk) => {
      // Keep the last 64 KB: enough to show why a server died.
      this.stderr = (this.stderr + chunk).slice(-65536);
    });
  }

  _listening(timeoutMs) {
    return new Promise((resolve, reject) => {
      const fail = (why) => {
        cleanup();
        this.child.kill('SIGKILL');
        reject(new Error(`sluice (${SLUICE_BIN} ${this.args.join(' ')}) ${why}\n` +
          `stdout: ${this.stdout}\nstderr: ${this.stderr}`));
      };
      const onData = () => {
        const newline = this.stdout.indexOf('\n');
        if (newline < 0) return;
        const line = this.stdout.slice(0, newline);
        const match = LISTENING.exec(line);
        if (!match) return fail(`printed an unexpected first line: ${JSON.stringify(line)}`);
        cleanup();
        this.version = match[1];
        this.url = match[2];
        this.port = Number(match[3]);
        this.uiUrl = `${this.url}/_sluice/ui/`;
        resolve(this);
      };
      const onExit = (code, signal) => fail(`exited (code ${code}, signal ${signal}) before listening`);
      const timer = setTimeout(() => fail(`printed no listening line within ${timeoutMs} ms`), timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout.off('data', onData);
        this.child.off('exit', onExit);
      };
      this.child.stdout.on('data', onData);
      this.child.on('exit', onExit);
      this.child.on('error', (error) => fail(`could not start: ${error.message}`));
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited within graceMs; resolves to {code, signal, killed}. */
  async stop(graceMs = 7_000) {
    if (this.exit) return { ...this.exit, killed: false };
    this.child.kill('SIGTERM');
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(() => resolve(null), graceMs); });
    const exit = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (exit) return { ...exit, killed: false };
    this.child.kill('SIGKILL');
    return { ...(await this.exited), killed: true };
  }

  /** The console's URL for a hash route such as '/pipelines/app' ('' for the start). */
  ui(route = '/') {
    return `${this.uiUrl}#${route}`;
  }

  // --- AWS JSON 1.1 --------------------------------------------------------------

  /** One AWS call; resolves to {status, body} whatever the status. */
  async awsRaw(operation, body = {}, { account = ACCOUNT, region = REGION } = {}) {
    const response = await fetch(`${this.url}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': TARGET_PREFIX + operation,
        Authorization: `AWS4-HMAC-SHA256 Credential=${account}/20260101/${region}/codepipeline/` +
          'aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  }

  /** One AWS call; resolves to the answer, throws AwsError on an error. */
  async aws(operation, body = {}, scope = {}) {
    const { status, body: answer } = await this.awsRaw(operation, body, scope);
    if (status >= 300) throw new AwsError(operation, status, answer);
    return answer;
  }

  // --- test controls ---------------------------------------------------------------

  async control(method, route, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(`${this.url}/_sluice/${route}`, init);
    const text = await response.text();
    const answer = text ? JSON.parse(text) : {};
    if (response.status >= 300) throw new ControlError(method, route, response.status, answer);
    return answer;
  }

  clock() { return this.control('GET', 'clock'); }
  advance(seconds) { return this.control('POST', 'clock/advance', { seconds }); }
  settle() { return this.control('POST', 'clock/settle'); }
  reset(scope) { return this.control('POST', 'reset', scope); }
  outcomes() { return this.control('GET', 'outcomes').then((answer) => answer.outcomes); }
  addOutcome(match, fields = {}) { return this.control('POST', 'outcomes', { match, ...fields }); }
  events(after = 0, limit = 1000) {
    return this.control('GET', `events?after=${after}&limit=${limit}`).then((answer) => answer.events);
  }

  // --- CodePipeline shortcuts ------------------------------------------------------

  createPipeline(declaration) {
    return this.aws('CreatePipeline', { pipeline: declaration }).then((answer) => answer.pipeline);
  }

  deletePipeline(name) { return this.aws('DeletePipeline', { name }); }

  async start(name, extra = {}) {
    const answer = await this.aws('StartPipelineExecution', { name, ...extra });
    return answer.pipelineExecutionId;
  }

  state(name) { return this.aws('GetPipelineState', { name }); }

  async stageState(name, stage) {
    const state = await this.state(name);
    const found = state.stageStates.find((s) => s.stageName === stage);
    if (!found) throw new Error(`pipeline ${name} has no stage ${stage}`);
    return found;
  }

  async actionState(name, stage, action) {
    const found = (await this.stageState(name, stage)).actionStates.find((a) => a.actionName === action);
    if (!found) throw new Error(`stage ${stage} of ${name} has no action ${action}`);
    return found;
  }

  async executions(name) {
    return (await this.aws('ListPipelineExecutions', { pipelineName: name })).pipelineExecutionSummaries;
  }

  async execution(name, id) {
    return (await this.aws('GetPipelineExecution', { pipelineName: name, pipelineExecutionId: id }))
      .pipelineExecution;
  }

  async actionExecutions(name, id) {
    const answer = await this.aws('ListActionExecutions', {
      pipelineName: name, filter: { pipelineExecutionId: id },
    });
    return answer.actionExecutionDetails;
  }

  /** The token of the approval `stage`/`action` waits on (settle first). */
  async approvalToken(name, stage = 'Approval', action = 'Approve') {
    const latest = (await this.actionState(name, stage, action)).latestExecution || {};
    if (latest.status !== 'InProgress' || !latest.token) {
      throw new Error(`${stage}.${action} of ${name} waits on no approval: ${JSON.stringify(latest)}`);
    }
    return latest.token;
  }

  async approve(name, summary = 'approved by the test', stage = 'Approval', action = 'Approve') {
    const token = await this.approvalToken(name, stage, action);
    return this.aws('PutApprovalResult', {
      pipelineName: name, stageName: stage, actionName: action, token,
      result: { summary, status: 'Approved' },
    });
  }

  /** Settles, and checks that the settled state waits on `stage`'s approval. */
  async settleToApproval(name, stage = 'Approval') {
    const answer = await this.settle();
    const waiting = (answer.waiting || []).find((w) => w.pipeline === name && w.stage === stage);
    if (!waiting || waiting.on !== 'approval') {
      throw new Error(`settle left ${name} waiting on ${JSON.stringify(answer.waiting)}, not on ${stage}`);
    }
    return answer;
  }
}

// --- pipelines the tests run -----------------------------------------------------

function sourceAction(name = 'Source') {
  return {
    name,
    actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
    configuration: { S3Bucket: 'console-bucket', S3ObjectKey: 'app.zip' },
    outputArtifacts: [{ name: 'src' }],
  };
}

function buildAction(name = 'Build') {
  return {
    name,
    actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
    configuration: { ProjectName: 'console-project' },
    inputArtifacts: [{ name: 'src' }],
  };
}

function approvalAction(name = 'Approve') {
  return {
    name,
    actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
  };
}

function deployAction(name = 'Deploy') {
  return {
    name,
    actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' },
    configuration: { ClusterName: 'prod', ServiceName: 'web' },
    inputArtifacts: [{ name: 'src' }],
  };
}

function declaration(name, stages) {
  return {
    name,
    roleArn: 'arn:aws:iam::123456789012:role/CodePipelineRole',
    artifactStore: { type: 'S3', location: 'console-artifacts' },
    stages,
  };
}

/**
 * Source (S3) → Build (CodeBuild) → Approval (Manual, action "Approve") → Deploy (ECS);
 * `extra` adds top-level fields (variables, say).
 */
function releasePipeline(name, extra = {}) {
  return {
    ...declaration(name, [
      { name: 'Source', actions: [sourceAction()] },
      { name: 'Build', actions: [buildAction()] },
      { name: 'Approval', actions: [approvalAction()] },
      { name: 'Deploy', actions: [deployAction()] },
    ]),
    ...extra,
  };
}

/** Source (S3) → Build (CodeBuild): finishes without anybody. */
function buildPipeline(name) {
  return declaration(name, [
    { name: 'Source', actions: [sourceAction()] },
    { name: 'Build', actions: [buildAction()] },
  ]);
}

/**
 * State that every view has something to show for:
 * - "app" (releasePipeline): a first execution Succeeded (approved with APPROVED_SUMMARY),
 *   a second one waiting on its approval (Source and Build Succeeded);
 * - "tools" (buildPipeline): one execution Succeeded;
 * - an outcome rule that matches nothing the tests run.
 * Resolves to {first, second, tool}: the execution ids.
 */
async function seedViews(sluice) {
  await sluice.createPipeline(releasePipeline('app'));
  await sluice.createPipeline(buildPipeline('tools'));
  const first = await sluice.start('app');
  await sluice.settleToApproval('app');
  await sluice.approve('app', APPROVED_SUMMARY);
  const tool = await sluice.start('tools');
  const settled = await sluice.settle();
  if (!settled.settled || settled.waiting.length) {
    throw new Error(`seed: settle left work waiting: ${JSON.stringify(settled)}`);
  }
  const second = await sluice.start('app');
  await sluice.settleToApproval('app');
  await sluice.addOutcome({ pipeline: 'no-such-pipeline' }, { result: 'Failed', times: 3 });
  return { first, second, tool };
}

const APPROVED_SUMMARY = 'approved by the seed';

const RELEASE_STAGES = [
  { stage: 'Source', action: 'Source', provider: 'S3' },
  { stage: 'Build', action: 'Build', provider: 'CodeBuild' },
  { stage: 'Approval', action: 'Approve', provider: 'Manual' },
  { stage: 'Deploy', action: 'Deploy', provider: 'ECS' },
];

// --- the page ----------------------------------------------------------------------

/** The `data-testid="stage"` section of `stage`. */
function stageSection(page, stage) {
  return page.locator(`[data-testid="stage"][data-stage="${stage}"]`);
}

/** The `data-testid="action"` item of `action`, in `stage`'s section. */
function actionItem(page, stage, action) {
  return stageSection(page, stage).locator(`[data-testid="action"][data-action="${action}"]`);
}

/**
 * The stage's own status element: the first one of the section that is not inside an
 * action item (the actions' status elements are inside the section too).
 */
function stageStatus(page, stage) {
  return stageSection(page, stage)
    .locator('[data-testid="status"]:not([data-testid="action"] [data-testid="status"])')
    .first();
}

function actionStatus(page, stage, action) {
  return actionItem(page, stage, action).locator('[data-testid="status"]').first();
}

/** The dialog open now (the console opens each with showModal()). */
function openDialog(page) {
  return page.locator('dialog[open]');
}

/**
 * Watches the page from now on for anything that would replace its document: a
 * navigation of the main frame (a hash change counts too) or a new document (a marker
 * set in the window now would be gone). `check()` stops watching (it removes the
 * listeners) and asserts that none happened; call it once, at the end.
 */
async function watchNoNavigation(page) {
  const url = page.url();
  const navigations = [];
  const onNavigated = (frame) => {
    if (frame === page.mainFrame()) navigations.push(frame.url());
  };
  const onLoad = () => navigations.push('load event');
  page.on('framenavigated', onNavigated);
  page.on('load', onLoad);
  const stop = () => {
    page.off('framenavigated', onNavigated);
    page.off('load', onLoad);
  };
  const marker = `no-reload-${Date.now()}`;
  try {
    await page.evaluate((value) => { window.__sluiceTestMarker = value; }, marker);
  } catch (error) {
    stop();
    throw error;
  }
  return {
    async check() {
      stop();
      base.expect(page.url(), 'the URL did not change').toBe(url);
      base.expect(navigations, 'no navigation happened').toEqual([]);
      base.expect(await page.evaluate(() => window.__sluiceTestMarker),
        'the document was not reloaded').toBe(marker);
    },
  };
}

/** Injects axe-core (once per document) and runs it; resolves to its violations. */
async function axeViolations(page, context = null) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async (selector) => {
    const result = await window.axe.run(selector ? document.querySelector(selector) : document, {
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`.slice(0, 400)),
    }));
  }, context);
}

// --- fixtures ------------------------------------------------------------------------

const test = base.test.extend({
  /**
   * Arguments added to BASE_ARGS for this test's server: test.use({ sluiceArgs: [...] }).
   * By default CreatePipeline starts nothing: each test starts what it runs.
   */
  sluiceArgs: [['--start-on-create', 'false'], { option: true }],

  /**
   * A fresh sluice for each test, stopped after it. The browser context closes first, so
   * that the page's event stream does not hold the server's graceful stop.
   */
  sluice: async ({ sluiceArgs, context }, use, testInfo) => {
    const server = await Sluice.start(sluiceArgs);
    await use(server);
    await context.close();
    const exit = await server.stop();
    if (testInfo.status !== testInfo.expectedStatus || exit.code !== 0 || exit.killed) {
      await testInfo.attach('sluice-stderr', { body: server.stderr, contentType: 'text/plain' });
    }
    base.expect(exit, `sluice ${server.args.join(' ')} should stop cleanly on SIGTERM; ` +
      `stderr:\n${server.stderr}`).toEqual({ code: 0, signal: null, killed: false });
  },

  /**
   * Every uncaught page error and console error of the test's page. A test may allow some
   * (`consoleErrors.allow(/regex/)`); any other one fails the test at its end.
   */
  consoleErrors: [async ({ page, sluice }, use) => {
    const errors = {
      list: [],
      allowed: [],
      allow(pattern) { this.allowed.push(pattern); },
      unexpected() {
        return this.list.filter((text) => !this.allowed.some((pattern) => pattern.test(text)));
      },
    };
    page.on('pageerror', (error) => errors.list.push(`pageerror: ${error.stack || error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const where = message.location() && message.location().url;
      // The browser's own request for a site icon is no part of the console.
      if (where && /\/favicon\.ico$/.test(where)) return;
      errors.list.push(`console.error: ${message.text()}${where ? ` (${where})` : ''}`);
    });
    void sluice;
    await use(errors);
    base.expect(errors.unexpected(), 'errors in the page').toEqual([]);
  }, { auto: true }],
});

const expect = base.expect;

module.exports = {
  ACCOUNT,
  ACTION_SECONDS,
  APPROVED_SUMMARY,
  AwsError,
  ControlError,
  REGION,
  RELEASE_STAGES,
  REPO,
  SLUICE_BIN,
  Sluice,
  actionItem,
  actionStatus,
  axeViolations,
  buildPipeline,
  declaration,
  expect,
  openDialog,
  releasePipeline,
  seedViews,
  stageSection,
  stageStatus,
  test,
  watchNoNavigation,
};
