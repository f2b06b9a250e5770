// axe-core on every view and on every dialog of the pipeline view, keyboard closing of
// the dialogs, and no horizontal scroll of the page at 390 px wide.
'use strict';

const {
  axeViolations, expect, openDialog, seedViews, stageStatus, test,
} = require('./sluice');

// axe-core goes into the page as an inline script, which the console's
// Content-Security-Policy rightly refuses; every other test runs under it.
test.use({ bypassCSP: true });

const h1 = (page, name) => page.getByRole('heading', { level: 1, name, exact: true });

/** Each view, with what shows that its data has arrived. */
function views(ids) {
  return [
    {
      name: 'pipelines', route: '/',
      ready: async (page) => {
        await expect(h1(page, 'Pipelines')).toBeVisible();
        await expect(page.getByTestId('pipeline-row')).toHaveCount(2);
      },
    },
    {
      name: 'pipeline', route: '/pipelines/app',
      ready: async (page) => {
        await expect(h1(page, 'app')).toBeVisible();
        await expect(stageStatus(page, 'Approval')).toHaveAttribute('data-status', 'InProgress');
      },
    },
    {
      name: 'history', route: '/pipelines/app/executions',
      ready: async (page) => {
        await expect(h1(page, 'app history')).toBeVisible();
        await expect(page.getByTestId('execution-row')).toHaveCount(2);
      },
    },
    {
      name: 'execution', route: `/pipelines/app/executions/${ids.first}`,
      ready: async (page) => {
        await expect(h1(page, `Execution ${ids.first}`)).toBeVisible();
        await expect(page.getByTestId('action-execution')).toHaveCount(4);
        await expect(page.getByTestId('event').first()).toBeVisible();
      },
    },
    {
      name: 'events', route: '/events',
      ready: async (page) => {
        await expect(h1(page, 'Events')).toBeVisible();
        await expect(page.getByTestId('event').first()).toBeVisible();
      },
    },
    {
      name: 'controls', route: '/controls',
      ready: async (page) => {
        await expect(h1(page, 'Test controls')).toBeVisible();
        await expect(page.getByTestId('clock-now')).toContainText('manual');
        await expect(page.getByTestId('outcome-row')).toHaveCount(1);
      },
    },
  ];
}

/** The pipeline view's dialogs: the button that opens each, and its heading. */
const DIALOGS = [
  { button: 'Release change', heading: 'Release change' },
  { button: 'Disable transition into Build', heading: 'Disable transition' },
  { button: 'Review Approve', heading: 'Review approval' },
  { button: 'Stop execution', heading: 'Stop execution' },
  { button: 'Roll back Build', heading: 'Roll back stage' },
];

const SEVERE = new Set(['serious', 'critical']);

/** Runs axe; prints the lesser violations and softly fails on serious or critical ones. */
async function checkAxe(page, where) {
  const violations = await axeViolations(page);
  const lesser = violations.filter((v) => !SEVERE.has(v.impact));
  if (lesser.length) {
    console.log(`axe on ${where}, not serious:`,
      lesser.map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.length} node(s)`).join(' | '));
  }
  expect.soft(violations.filter((v) => SEVERE.has(v.impact)), `serious or critical axe violations on ${where}`)
    .toEqual([]);
}

test('axe finds nothing serious on any view or dialog', async ({ page, sluice }) => {
  const ids = await seedViews(sluice);
  for (const view of views(ids)) {
    await page.goto(sluice.ui(view.route));
    await view.ready(page);
    await checkAxe(page, `${view.name} (#${view.route})`);
  }

  await page.goto(sluice.ui('/pipelines/app'));
  await views(ids)[1].ready(page);
  for (const { button, heading } of DIALOGS) {
    const opener = page.getByRole('button', { name: button, exact: true });
    await opener.click();
    const dialog = openDialog(page);
    await expect(dialog).toHaveCount(1);
    await expect(dialog.getByRole('heading', { name: heading })).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Cancel', exact: true })).toBeVisible();
    await checkAxe(page, `the "${heading}" dialog`);
    // Escape closes it, and the focus goes back to what opened it.
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(opener).toBeFocused();
  }

  // The empty pipelines list too.
  await sluice.reset();
  await page.goto(sluice.ui('/'));
  await expect(page.getByText('No pipelines in 000000000000 / us-east-1')).toBeVisible();
  await checkAxe(page, 'the empty pipelines list');
});

test('no view scrolls sideways at 390 px wide', async ({ page, sluice }) => {
  const ids = await seedViews(sluice);
  await page.setViewportSize({ width: 390, height: 844 });
  for (const view of views(ids)) {
    await page.goto(sluice.ui(view.route));
    await view.ready(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect.soft(width, `document scrollWidth of ${view.name} (#${view.route}) at 390 px`)
      .toBeLessThanOrEqual(390);
  }
  // And with a dialog open.
  await page.goto(sluice.ui('/pipelines/app'));
  await views(ids)[1].ready(page);
  await page.getByRole('button', { name: 'Release change' }).click();
  await expect(openDialog(page)).toHaveCount(1);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect.soft(width, 'document scrollWidth with the Release change dialog open at 390 px')
    .toBeLessThanOrEqual(390);
});
