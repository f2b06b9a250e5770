// The console's views, its live updates, the Release change dialog and its error region,
// against a real sluice (see sluice.js) on a manual clock.
'use strict';

const {
  ACCOUNT, ACTION_SECONDS, APPROVED_SUMMARY, REGION, RELEASE_STAGES,
  actionItem, actionStatus, expect, openDialog, releasePipeline, seedViews, stageSection,
  stageStatus, test, watchNoNavigation,
} = require('./sluice');

const h1 = (page, name) => page.getByRole('heading', { level: 1, name, exact: true });
const mainNav = (page) => page.getByRole('navigation', { name: 'Main' });

test.describe('views', () => {
  test('every view loads with its data and no page errors', async ({ page, sluice, consoleErrors }) => {
    const { first, second } = await seedViews(sluice);
    const noErrors = (view) => expect(consoleErrors.list, `errors in the page on ${view}`).toEqual([]);

    // --- the frame of every view, and the pipelines list -----------------------------
    await page.goto(sluice.ui('/'));
    await expect(page.locator('header')).toContainText('sluice console');
    for (const link of ['Pipelines', 'Events', 'Test controls']) {
      await expect(mainNav(page).getByRole('link', { name: link, exact: true })).toBeVisible();
    }
    await expect(page.getByLabel('Account', { exact: true })).toHaveValue(ACCOUNT);
    await expect(page.getByLabel('Region', { exact: true })).toHaveValue(REGION);

    await expect(h1(page, 'Pipelines')).toBeVisible();
    await expect(page.locator('table caption').first()).toBeVisible();
    const rows = page.getByTestId('pipeline-row');
    await expect(rows).toHaveCount(2);
    const appRow = rows.filter({ has: page.getByRole('link', { name: 'app', exact: true }) });
    const toolsRow = rows.filter({ has: page.getByRole('link', { name: 'tools', exact: true }) });
    await expect(appRow.getByRole('link', { name: 'app', exact: true }))
      .toHaveAttribute('href', /#\/pipelines\/app$/);
    // The latest execution of each: app's second waits on its approval, tools' finished.
    await expect(appRow.getByTestId('status')).toHaveAttribute('data-status', 'InProgress');
    await expect(appRow.getByTestId('status')).toContainText('InProgress');
    await expect(toolsRow.getByTestId('status')).toHaveAttribute('data-status', 'Succeeded');
    await expect(toolsRow.getByTestId('status')).toContainText('Succeeded');

    const filter = page.getByLabel('Filter pipelines by name', { exact: true });
    await filter.fill('too');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('tools');
    await filter.fill('');
    await expect(rows).toHaveCount(2);
    noErrors('the pipelines list');

    // --- one pipeline -------------------------------------------------------------------
    await appRow.getByRole('link', { name: 'app', exact: true }).click();
    await expect(page).toHaveURL(/#\/pipelines\/app$/);
    await expect(h1(page, 'app')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Stages', exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: 'History', exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Release change' })).toBeVisible();

    const stages = page.getByTestId('stage');
    await expect(stages).toHaveCount(4);
    expect(await stages.evaluateAll((all) => all.map((s) => s.dataset.stage)))
      .toEqual(RELEASE_STAGES.map((s) => s.stage));
    for (const { stage, action, provider } of RELEASE_STAGES) {
      await expect(stageSection(page, stage).getByRole('heading', { level: 2, name: stage, exact: true }))
        .toBeVisible();
      await expect(actionItem(page, stage, action)).toContainText(action);
      await expect(actionItem(page, stage, action)).toContainText(provider);
    }
    // The second execution ran Source and Build and waits in Approval.
    for (const stage of ['Source', 'Build']) {
      await expect(stageStatus(page, stage)).toHaveAttribute('data-status', 'Succeeded');
      await expect(stageStatus(page, stage)).toContainText('Succeeded');
    }
    await expect(actionStatus(page, 'Source', 'Source')).toHaveAttribute('data-status', 'Succeeded');
    await expect(actionStatus(page, 'Build', 'Build')).toHaveAttribute('data-status', 'Succeeded');
    await expect(stageStatus(page, 'Approval')).toHaveAttribute('data-status', 'InProgress');
    await expect(actionStatus(page, 'Approval', 'Approve')).toHaveAttribute('data-status', 'InProgress');
    await expect(actionStatus(page, 'Approval', 'Approve')).toContainText('InProgress');
    // Each running stage links its current execution.
    await expect(stageSection(page, 'Approval').locator(`a[href$="/executions/${second}"]`).first())
      .toBeVisible();
    // The S3 source's summary names the object version it read.
    const sourceSummary = (await sluice.actionState('app', 'Source', 'Source')).latestExecution.summary;
    expect(sourceSummary).toBeTruthy();
    await expect(actionItem(page, 'Source', 'Source')).toContainText(sourceSummary);
    // The controls of a pipeline waiting on a person.
    await expect(page.getByRole('button', { name: 'Review Approve' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Stop execution' })).toBeVisible();
    for (const stage of ['Build', 'Approval', 'Deploy']) {
      await expect(page.getByRole('button', { name: `Disable transition into ${stage}` })).toBeVisible();
      await expect(page.getByRole('button', { name: `Roll back ${stage}` })).toBeVisible();
    }
    await expect(page.getByRole('button', { name: 'Disable transition into Source' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: /^Retry / })).toHaveCount(0);

    await page.locator('summary', { hasText: 'Declaration' }).click();
    await expect(page.getByLabel('Version', { exact: true })).toBeVisible();
    const declaration = page.getByTestId('declaration');
    await expect(declaration).toBeVisible();
    await expect(declaration).toContainText('"console-project"');
    await expect(declaration).toContainText('"ClusterName"');
    noErrors('the pipeline view');

    // --- its history -------------------------------------------------------------------
    await page.getByRole('link', { name: 'History', exact: true }).click();
    await expect(page).toHaveURL(/#\/pipelines\/app\/executions$/);
    await expect(h1(page, 'app history')).toBeVisible();
    const executions = page.getByTestId('execution-row');
    await expect(executions).toHaveCount(2);
    // Newest first.
    await expect(executions.nth(0).locator(`a[href$="/executions/${second}"]`).first()).toBeVisible();
    await expect(executions.nth(0).getByTestId('status')).toHaveAttribute('data-status', 'InProgress');
    await expect(executions.nth(1).locator(`a[href$="/executions/${first}"]`).first()).toBeVisible();
    await expect(executions.nth(1).getByTestId('status')).toHaveAttribute('data-status', 'Succeeded');
    await expect(executions.nth(1)).toContainText('StartPipelineExecution');
    noErrors('the history');

    // --- one execution -----------------------------------------------------------------
    await executions.nth(1).locator(`a[href$="/executions/${first}"]`).first().click();
    await expect(page).toHaveURL(new RegExp(`#/pipelines/app/executions/${first}$`));
    await expect(h1(page, `Execution ${first}`)).toBeVisible();
    await expect(page.locator('dl [data-testid="status"]').first()).toHaveAttribute('data-status', 'Succeeded');
    const actionExecutions = page.getByTestId('action-execution');
    await expect(actionExecutions).toHaveCount(4);
    for (const { stage, action } of RELEASE_STAGES) {
      const row = actionExecutions.filter({ hasText: stage }).filter({ hasText: action }).first();
      await expect(row.getByTestId('status')).toHaveAttribute('data-status', 'Succeeded');
    }
    // The approval's summary and the build's resolved configuration.
    await expect(actionExecutions.filter({ hasText: APPROVED_SUMMARY })).toHaveCount(1);
    await expect(actionExecutions.filter({ hasText: 'console-project' }).first()).toBeVisible();
    const ownEvents = (await sluice.events()).filter((e) => e.detail['execution-id'] === first);
    expect(ownEvents.length).toBeGreaterThan(8);
    await expect(page.getByTestId('event')).toHaveCount(ownEvents.length);
    noErrors('the execution');

    // --- events ------------------------------------------------------------------------
    await mainNav(page).getByRole('link', { name: 'Events', exact: true }).click();
    await expect(page).toHaveURL(/#\/events$/);
    await expect(h1(page, 'Events')).toBeVisible();
    const all = await sluice.events();
    const newest = all[all.length - 1];
    const events = page.getByTestId('event');
    await expect(events.first()).toBeVisible();
    await expect(events.first()).toContainText(newest['detail-type']);
    await expect(events.first()).toContainText(newest.detail.stage || newest.detail.pipeline);
    await expect(page.getByRole('status').filter({ hasText: /\bLive\b/ })).toBeVisible();
    await page.getByLabel('Detail type', { exact: true }).selectOption({ label: 'Pipeline' });
    const pipelineEvents = all.filter((e) => e['detail-type'] === 'CodePipeline Pipeline Execution State Change');
    await expect(events).toHaveCount(pipelineEvents.length);
    for (const text of await events.allTextContents()) {
      expect(text).toContain('CodePipeline Pipeline Execution State Change');
    }
    noErrors('the events');

    // --- test controls -----------------------------------------------------------------
    await mainNav(page).getByRole('link', { name: 'Test controls', exact: true }).click();
    await expect(page).toHaveURL(/#\/controls$/);
    await expect(h1(page, 'Test controls')).toBeVisible();
    const clock = await sluice.clock();
    const clockNow = page.getByTestId('clock-now');
    await expect(clockNow).toContainText(clock.iso);
    await expect(clockNow).toContainText('manual');
    await expect(page.getByTestId('outcome-row')).toHaveCount(1);
    await expect(page.getByTestId('outcome-row')).toContainText('no-such-pipeline');
    await page.getByLabel('Seconds', { exact: true }).fill('60');
    await page.getByRole('button', { name: 'Advance clock' }).click();
    const later = new Date(Date.parse(clock.iso) + 60_000).toISOString();
    await expect(clockNow).toContainText(later);
    expect((await sluice.clock()).iso).toBe(later);
    noErrors('the test controls');
  });
});

test.describe('live updates', () => {
  test('a started execution moves on the page as the clock advances, without a reload', async ({ page, sluice }) => {
    await sluice.createPipeline(releasePipeline('app'));
    await page.goto(sluice.ui('/pipelines/app'));
    await expect(h1(page, 'app')).toBeVisible();
    await expect(page.getByTestId('stage')).toHaveCount(4);
    const noNavigation = await watchNoNavigation(page);

    const release = page.getByRole('button', { name: 'Release change' });
    await release.click();
    const dialog = openDialog(page);
    await expect(dialog.getByRole('heading', { name: 'Release change' })).toBeVisible();
    await dialog.getByRole('button', { name: 'Start', exact: true }).click();

    // The execution started: the source runs, nothing else yet.
    await expect(actionStatus(page, 'Source', 'Source')).toHaveAttribute('data-status', 'InProgress');
    await expect(actionStatus(page, 'Source', 'Source')).toContainText('InProgress');
    await expect(stageStatus(page, 'Source')).toHaveAttribute('data-status', 'InProgress');
    const [execution] = await sluice.executions('app');
    expect(execution.status).toBe('InProgress');

    // The test, not the page, moves the clock: the page learns of it from the event stream.
    // The page times itself (performance.now()): from just before the advance is asked
    // for to the first DOM change that shows Source Succeeded. An upper bound: it includes
    // the advance call itself.
    // The delay is a measurement, printed for whoever reads the log, not an assertion: no
    // bound on it fails the test (the project measures speed with its benchmarks, not with
    // timed tests). What the test does assert is that the page shows Source Succeeded at
    // all: waitForFunction throws, and fails the test, if it has not within 10 s.
    await page.evaluate(() => {
      const shown = () => {
        const status = document.querySelector(
          '[data-testid="stage"][data-stage="Source"] [data-testid="action"][data-action="Source"] ' +
          '[data-testid="status"]');
        return status && status.dataset.status === 'Succeeded' && /Succeeded/.test(status.textContent);
      };
      window.sluiceShownAt = null;
      new MutationObserver((_, observer) => {
        if (window.sluiceShownAt === null && shown()) {
          window.sluiceShownAt = performance.now();
          observer.disconnect();
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    const asked = await page.evaluate(() => performance.now());
    await sluice.advance(ACTION_SECONDS);
    // typeof, not `!== null`: in a reloaded document the variable would be undefined.
    await page.waitForFunction(() => typeof window.sluiceShownAt === 'number', null, { timeout: 10_000 });
    const ms = await page.evaluate((from) => window.sluiceShownAt - from, asked);
    console.log('state-change-to-page-ms', Math.round(ms));

    await expect(stageStatus(page, 'Source')).toHaveAttribute('data-status', 'Succeeded');
    await expect(actionStatus(page, 'Build', 'Build')).toHaveAttribute('data-status', 'InProgress');
    await expect(stageStatus(page, 'Build')).toHaveAttribute('data-status', 'InProgress');
    await sluice.advance(ACTION_SECONDS);
    await expect(stageStatus(page, 'Build')).toHaveAttribute('data-status', 'Succeeded');
    await expect(actionStatus(page, 'Approval', 'Approve')).toHaveAttribute('data-status', 'InProgress');
    await expect(page.getByRole('button', { name: 'Review Approve' })).toBeVisible();
    await noNavigation.check();
  });
});

test.describe('release change', () => {
  test('passes the variables and source revision typed in the dialog', async ({ page, sluice }) => {
    await sluice.createPipeline(releasePipeline('app', {
      variables: [{ name: 'Env', defaultValue: 'dev' }],
    }));
    await page.goto(sluice.ui('/pipelines/app'));
    await expect(h1(page, 'app')).toBeVisible();
    await page.getByRole('button', { name: 'Release change' }).click();
    const dialog = openDialog(page);
    await expect(dialog.getByRole('heading', { name: 'Release change' })).toBeVisible();

    // The dialog opens with no rows: "Add variable" and "Add revision" add one each.
    const variableName = dialog.getByLabel('Variable name', { exact: true });
    const revisionValue = dialog.getByLabel('Revision value', { exact: true });
    await expect(variableName).toHaveCount(0);
    await expect(revisionValue).toHaveCount(0);
    await dialog.getByRole('button', { name: 'Add variable' }).click();
    await expect(variableName).toHaveCount(1);
    await variableName.fill('Env');
    await dialog.getByLabel('Variable value', { exact: true }).fill('prod');
    await dialog.getByRole('button', { name: 'Add revision' }).click();
    await expect(revisionValue).toHaveCount(1);
    await dialog.getByLabel('Source action', { exact: true }).selectOption('Source');
    await dialog.getByLabel('Revision type', { exact: true }).selectOption('S3_OBJECT_VERSION_ID');
    await revisionValue.fill('v-0123');
    await dialog.getByRole('button', { name: 'Start', exact: true }).click();
    await expect(dialog).toHaveCount(0);
    await expect(actionStatus(page, 'Source', 'Source')).toHaveAttribute('data-status', 'InProgress');

    const [summary] = await sluice.executions('app');
    const execution = await sluice.execution('app', summary.pipelineExecutionId);
    expect(execution.variables).toEqual([{ name: 'Env', resolvedValue: 'prod' }]);
    expect(execution.artifactRevisions.map((r) => r.revisionId)).toEqual(['v-0123']);

    // The execution's page shows both.
    await page.goto(sluice.ui(`/pipelines/app/executions/${summary.pipelineExecutionId}`));
    await expect(h1(page, `Execution ${summary.pipelineExecutionId}`)).toBeVisible();
    const variables = page.locator('table').filter({ hasText: 'Env' }).first();
    await expect(variables).toContainText('prod');
    await expect(page.getByText('v-0123').first()).toBeVisible();
  });
});

test.describe('errors', () => {
  test('a failed call shows its AWS error in the alert region, and the next success clears it', async ({ page, sluice, consoleErrors }) => {
    // Chromium logs the 400 answer itself; that is the point of this test.
    consoleErrors.allow(/Failed to load resource: the server responded with a status of 4\d\d/);
    await sluice.createPipeline(releasePipeline('app'));
    await page.goto(sluice.ui('/pipelines/app'));
    await expect(h1(page, 'app')).toBeVisible();
    await expect(page.getByTestId('stage')).toHaveCount(4);
    const error = page.getByTestId('error');
    await expect(error).toHaveAttribute('role', 'alert');
    await expect(error).not.toContainText('Exception');

    // Deleted behind the page's back: the dialog opens as ever, and Start finds out.
    await sluice.deletePipeline('app');
    const release = page.getByRole('button', { name: 'Release change' });
    const dialog = openDialog(page);
    await release.click();
    await expect(dialog.getByRole('heading', { name: 'Release change' })).toBeVisible();
    await dialog.getByRole('button', { name: 'Start', exact: true }).click();
    // The dialog closes before the call, so that its error lands where it can be read.
    await expect(dialog).toHaveCount(0);
    await expect(error).toContainText(/PipelineNotFoundException: \S/);
    await expect(page.getByRole('alert').filter({ hasText: 'PipelineNotFoundException' })).toBeVisible();
    expect(await sluice.executions('app').catch((e) => e.type)).toBe('PipelineNotFoundException');

    // Back again: the same action succeeds and the error goes.
    await sluice.createPipeline(releasePipeline('app'));
    await release.click();
    await expect(dialog.getByRole('heading', { name: 'Release change' })).toBeVisible();
    await dialog.getByRole('button', { name: 'Start', exact: true }).click();
    await expect(dialog).toHaveCount(0);
    await expect(error).not.toContainText('PipelineNotFoundException');
    await expect(actionStatus(page, 'Source', 'Source')).toHaveAttribute('data-status', 'InProgress');
    expect(await sluice.executions('app')).toHaveLength(1);
  });
});
