// Pictures of the console for the docs: with SLUICE_UPDATE_SCREENSHOTS=1 they replace
// docs/console-pipeline.png and docs/console-execution.png; otherwise they go under
// test-results only. The clock starts at a fixed time so that the pictures repeat.
'use strict';

const fs = require('fs');
const path = require('path');
const {
  actionStatus, expect, releasePipeline, stageStatus, test,
} = require('./sluice');

const UPDATE = process.env.SLUICE_UPDATE_SCREENSHOTS === '1';

test.use({
  sluiceArgs: ['--start-on-create', 'false', '--clock-start', '2026-01-01T09:00:00Z'],
  viewport: { width: 1280, height: 800 },
});

function target(testInfo, name) {
  const file = UPDATE ? path.resolve(__dirname, '../../docs', name) : testInfo.outputPath(name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return file;
}

async function quiet(page) {
  // No hover or focus ring left from the test, and the fonts in place.
  await page.mouse.move(0, 0);
  await page.evaluate(async () => {
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    await document.fonts.ready;
  });
}

test('the pipeline view mid-execution and an execution’s detail', async ({ page, sluice }, testInfo) => {
  await sluice.createPipeline(releasePipeline('web-app'));
  const id = await sluice.start('web-app');
  await sluice.settleToApproval('web-app');

  await page.goto(sluice.ui('/pipelines/web-app'));
  await expect(page.getByRole('heading', { level: 1, name: 'web-app', exact: true })).toBeVisible();
  for (const stage of ['Source', 'Build']) {
    await expect(stageStatus(page, stage)).toHaveAttribute('data-status', 'Succeeded');
  }
  await expect(actionStatus(page, 'Approval', 'Approve')).toHaveAttribute('data-status', 'InProgress');
  await expect(page.getByRole('button', { name: 'Review Approve' })).toBeVisible();
  // The picture shows the approval that waits, with the stage that succeeded above it.
  await page.locator('[data-testid="stage"][data-stage="Approval"]')
    .evaluate((stage) => stage.scrollIntoView({ block: 'end' }));
  await expect(page.getByRole('button', { name: 'Review Approve' })).toBeInViewport();
  await expect(stageStatus(page, 'Build')).toBeInViewport();
  await quiet(page);
  const pipelineShot = target(testInfo, 'console-pipeline.png');
  await page.screenshot({ path: pipelineShot });

  await page.goto(sluice.ui(`/pipelines/web-app/executions/${id}`));
  await expect(page.getByRole('heading', { level: 1, name: `Execution ${id}`, exact: true })).toBeVisible();
  const rows = page.getByTestId('action-execution');
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ has: page.locator('[data-status="Succeeded"]') })).toHaveCount(2);
  await expect(rows.filter({ has: page.locator('[data-status="InProgress"]') })).toHaveCount(1);
  await quiet(page);
  const executionShot = target(testInfo, 'console-execution.png');
  await page.screenshot({ path: executionShot });

  // What each picture shows is asserted above, on the page it was taken of (the Review
  // button and the Build stage in the viewport, the execution's three actions). Here only
  // that both files were written and hold a picture, not an empty or blank PNG: a 1280×800
  // page with only a heading and a line of text compresses to about 10 KB, these views to
  // 75 KB and more.
  for (const file of [pipelineShot, executionShot]) {
    expect(fs.existsSync(file), `${file} was written`).toBe(true);
    expect(fs.statSync(file).size, `${file} is more than a blank page`).toBeGreaterThan(20_000);
    console.log('screenshot', path.relative(process.cwd(), file));
  }
});
