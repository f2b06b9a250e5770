// What a person does in the console: approve, retry a failed stage, disable and enable a
// transition, reset sluice; each checked on the page and through the API.
'use strict';

const {
  ACCOUNT, ACTION_SECONDS, REGION, actionItem, actionStatus, buildPipeline, expect,
  openDialog, releasePipeline, stageStatus, test,
} = require('./sluice');

const h1 = (page, name) => page.getByRole('heading', { level: 1, name, exact: true });
const mainNav = (page) => page.getByRole('navigation', { name: 'Main' });

test('approving a waiting approval through its Review dialog', async ({ page, sluice }) => {
  await sluice.createPipeline(releasePipeline('app'));
  const id = await sluice.start('app');
  await sluice.settleToApproval('app');

  await page.goto(sluice.ui('/pipelines/app'));
  await expect(h1(page, 'app')).toBeVisible();
  await expect(stageStatus(page, 'Approval')).toHaveAttribute('data-status', 'InProgress');
  const review = page.getByRole('button', { name: 'Review Approve' });
  await review.click();
  const dialog = openDialog(page);
  await expect(dialog.getByRole('heading', { name: 'Review approval' })).toBeVisible();
  const summary = 'Checked by the browser test: ship it';
  await dialog.getByLabel('Summary', { exact: true }).fill(summary);
  await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
  await expect(dialog).toHaveCount(0);

  await expect(actionStatus(page, 'Approval', 'Approve')).toHaveAttribute('data-status', 'Succeeded');
  await expect(stageStatus(page, 'Approval')).toHaveAttribute('data-status', 'Succeeded');
  await expect(stageStatus(page, 'Approval')).toContainText('Succeeded');
  await expect(actionItem(page, 'Approval', 'Approve')).toContainText(summary);
  await expect(review).toHaveCount(0);
  // Deploy runs next.
  await expect(actionStatus(page, 'Deploy', 'Deploy')).toHaveAttribute('data-status', 'InProgress');

  const latest = (await sluice.actionState('app', 'Approval', 'Approve')).latestExecution;
  expect(latest.status).toBe('Succeeded');
  expect(latest.summary).toBe(summary);
  expect(latest.lastUpdatedBy).toBe(`arn:aws:iam::${ACCOUNT}:root`);

  await sluice.settle();
  await expect(stageStatus(page, 'Deploy')).toHaveAttribute('data-status', 'Succeeded');
  expect((await sluice.execution('app', id)).status).toBe('Succeeded');
});

test('retrying the failed actions of a stage an outcome rule failed', async ({ page, sluice }) => {
  await sluice.createPipeline(releasePipeline('app'));

  // The rule, added in the Test controls view.
  await page.goto(sluice.ui('/controls'));
  await expect(h1(page, 'Test controls')).toBeVisible();
  await page.getByLabel('Stage', { exact: true }).fill('Build');
  await page.getByLabel('Result', { exact: true }).selectOption('Failed');
  await page.getByLabel('Error message', { exact: true }).fill('unit tests failed');
  await page.getByLabel('Times', { exact: true }).fill('1');
  await page.getByRole('button', { name: 'Add rule' }).click();
  const ruleRows = page.getByTestId('outcome-row');
  await expect(ruleRows).toHaveCount(1);
  await expect(ruleRows).toContainText('Build');
  await expect(ruleRows).toContainText('Failed');
  const rules = await sluice.outcomes();
  expect(rules).toHaveLength(1);
  expect(rules[0]).toMatchObject({
    match: { stage: 'Build' }, result: 'Failed', errorMessage: 'unit tests failed', times: 1,
  });
  await expect(page.getByRole('button', { name: `Remove rule ${rules[0].id}` })).toBeVisible();

  const id = await sluice.start('app');
  await page.goto(sluice.ui('/pipelines/app'));
  await expect(h1(page, 'app')).toBeVisible();
  await expect(actionStatus(page, 'Source', 'Source')).toHaveAttribute('data-status', 'InProgress');
  // Source, then Build, which the rule fails.
  await sluice.advance(ACTION_SECONDS);
  await expect(actionStatus(page, 'Build', 'Build')).toHaveAttribute('data-status', 'InProgress');
  await sluice.advance(ACTION_SECONDS);
  await expect(actionStatus(page, 'Build', 'Build')).toHaveAttribute('data-status', 'Failed');
  await expect(stageStatus(page, 'Build')).toHaveAttribute('data-status', 'Failed');
  await expect(stageStatus(page, 'Build')).toContainText('Failed');
  await expect(actionItem(page, 'Build', 'Build')).toContainText('unit tests failed');
  expect((await sluice.execution('app', id)).status).toBe('Failed');

  await expect(page.getByRole('button', { name: 'Retry all actions in Build' })).toBeVisible();
  await page.getByRole('button', { name: 'Retry failed actions in Build' }).click();
  await expect(actionStatus(page, 'Build', 'Build')).toHaveAttribute('data-status', 'InProgress');
  expect((await sluice.execution('app', id)).status).toBe('InProgress');
  await sluice.advance(ACTION_SECONDS);
  await expect(actionStatus(page, 'Build', 'Build')).toHaveAttribute('data-status', 'Succeeded');
  await expect(stageStatus(page, 'Build')).toHaveAttribute('data-status', 'Succeeded');
  await expect(page.getByRole('button', { name: /^Retry .* in Build$/ })).toHaveCount(0);
  await expect(actionStatus(page, 'Approval', 'Approve')).toHaveAttribute('data-status', 'InProgress');

  // Two runs of Build in the same execution: the failed one and the retry.
  const builds = (await sluice.actionExecutions('app', id)).filter((a) => a.stageName === 'Build');
  expect(builds.map((a) => a.status).sort()).toEqual(['Failed', 'Succeeded']);
});

test('disabling a transition with a reason, then enabling it', async ({ page, sluice }) => {
  await sluice.createPipeline(releasePipeline('app'));
  await page.goto(sluice.ui('/pipelines/app'));
  await expect(h1(page, 'app')).toBeVisible();

  const disable = page.getByRole('button', { name: 'Disable transition into Build' });
  await disable.click();
  const dialog = openDialog(page);
  await expect(dialog.getByRole('heading', { name: 'Disable transition' })).toBeVisible();
  const reason = 'Frozen for the release review';
  await dialog.getByLabel('Reason', { exact: true }).fill(reason);
  await dialog.getByRole('button', { name: 'Disable', exact: true }).click();
  await expect(dialog).toHaveCount(0);

  await expect(page.getByText(`Transition disabled: ${reason}`)).toBeVisible();
  const enable = page.getByRole('button', { name: 'Enable transition into Build' });
  await expect(enable).toBeVisible();
  await expect(disable).toHaveCount(0);
  // The other transitions are as they were.
  await expect(page.getByRole('button', { name: 'Disable transition into Approval' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Disable transition into Deploy' })).toBeVisible();
  let build = await sluice.stageState('app', 'Build');
  expect(build.inboundTransitionState).toMatchObject({ enabled: false, disabledReason: reason });

  await enable.click();
  await expect(page.getByRole('button', { name: 'Disable transition into Build' })).toBeVisible();
  await expect(enable).toHaveCount(0);
  await expect(page.getByText(/Transition disabled:/)).toHaveCount(0);
  build = await sluice.stageState('app', 'Build');
  expect(build.inboundTransitionState.enabled).toBe(true);
});

test('resetting from Test controls, for this scope and then for all', async ({ page, sluice }) => {
  const OTHER = '111111111111';
  await sluice.createPipeline(releasePipeline('app'));
  await sluice.createPipeline(buildPipeline('tools'));
  await sluice.start('app');
  await sluice.aws('CreatePipeline', { pipeline: buildPipeline('elsewhere') }, { account: OTHER });

  await page.goto(sluice.ui('/'));
  await expect(page.getByTestId('pipeline-row')).toHaveCount(2);

  // A reset of this account and region leaves the other account's pipeline.
  await mainNav(page).getByRole('link', { name: 'Test controls', exact: true }).click();
  await expect(h1(page, 'Test controls')).toBeVisible();
  const scoped = page.getByLabel('Only this account and region', { exact: true });
  await expect(scoped).not.toBeChecked();
  await scoped.check();
  await page.getByRole('button', { name: 'Reset state' }).click();
  // The page writes out sluice's answer, {"removed": {"<kind>": <count>, ...}}, one
  // "<count> <kind>" each (e.g. "Reset 000000000000 / us-east-1: removed ..., 1 executions,
  // ..., 2 pipelines, ..."): here two pipelines and app's one execution.
  const result = page.getByRole('status').filter({ hasText: /pipeline/i });
  await expect(result).toContainText(/\b2 pipelines?\b/);
  await expect(result).toContainText(/\b1 executions?\b/);
  const firstResult = await result.textContent();
  expect((await sluice.aws('ListPipelines')).pipelines).toEqual([]);
  expect((await sluice.aws('ListPipelines', {}, { account: OTHER })).pipelines.map((p) => p.name))
    .toEqual(['elsewhere']);

  await mainNav(page).getByRole('link', { name: 'Pipelines', exact: true }).click();
  await expect(page.getByText(`No pipelines in ${ACCOUNT} / ${REGION}`)).toBeVisible();
  await expect(page.getByTestId('pipeline-row')).toHaveCount(0);

  // The other account, through the scope fields.
  const account = page.getByLabel('Account', { exact: true });
  await account.fill(OTHER);
  await account.press('Tab');
  await expect(page.getByTestId('pipeline-row')).toHaveCount(1);
  await expect(page.getByTestId('pipeline-row')).toContainText('elsewhere');

  // A full reset.
  await mainNav(page).getByRole('link', { name: 'Test controls', exact: true }).click();
  await expect(h1(page, 'Test controls')).toBeVisible();
  await scoped.uncheck();
  await page.getByRole('button', { name: 'Reset state' }).click();
  const secondResult = page.getByRole('status').filter({ hasText: /pipeline/i });
  await expect(secondResult).not.toHaveText(firstResult);
  // Only the other account's pipeline was left, and it never ran.
  await expect(secondResult).toContainText(/\b1 pipelines?\b/);
  await expect(secondResult).toContainText(/\b0 executions?\b/);
  expect((await sluice.aws('ListPipelines', {}, { account: OTHER })).pipelines).toEqual([]);
  expect((await sluice.aws('ListPipelines')).pipelines).toEqual([]);

  await mainNav(page).getByRole('link', { name: 'Pipelines', exact: true }).click();
  await expect(page.getByText(`No pipelines in ${OTHER} / ${REGION}`)).toBeVisible();
  await expect(page.getByTestId('pipeline-row')).toHaveCount(0);
});
