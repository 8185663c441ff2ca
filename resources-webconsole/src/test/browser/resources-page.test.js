// The Resources page in a real browser: Debian's headless Chromium driven by playwright-core.
// Parameters (environment): BASE_URL (the console, e.g. http://127.0.0.1:8080/system/console),
// CONSOLE_USER, CONSOLE_PASSWORD, TASK_NAME (a running task to cancel), HOSTILE_NAME (a running
// task whose name is markup), BATCH_NAME (a running task with a total and a running child, which
// the test pauses and resumes), CONSUMER_BUNDLE (a bundle holding a MultiOpen service open),
// SCREENSHOT (where to save the page), CHROMIUM (the browser binary).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) {
    throw new Error(`set ${name}`);
  }
  return v;
};
const base = env('BASE_URL');
const user = env('CONSOLE_USER', 'admin');
const password = env('CONSOLE_PASSWORD');
const taskName = env('TASK_NAME', 'demo-ticker');
const hostileName = env('HOSTILE_NAME', '<script>alert("cs")</script> ${appRoot} & <b>bold</b>');
const screenshot = env('SCREENSHOT', 'target/webconsole.png');
const consumerOf = env('CONSUMER_BUNDLE', 'cs.resources.itest.consumer');
const batchName = env('BATCH_NAME', 'demo-batch');
const basic = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

let context;
let profile;
const dialogs = [];

before(async () => {
  profile = mkdtempSync(join(tmpdir(), 'cs-resources-chromium-'));
  // A fresh profile (Playwright passes it to Chromium as --user-data-dir).
  context = await chromium.launchPersistentContext(profile, {
    executablePath: env('CHROMIUM', '/usr/bin/chromium'),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    httpCredentials: { username: user, password },
    viewport: { width: 1280, height: 900 },
  });
});

after(async () => {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
});

async function login() {
  const page = await context.newPage();
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  const response = await page.goto(`${base}/resources`);
  assert.equal(response.status(), 200);
  return page;
}

/** The RunStates row whose name cell reads exactly `name`. */
function runStateRow(page, name) {
  return page.locator('#cs-runstates tbody tr').filter({
    has: page.locator('td.cs-name', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }),
  });
}

test('a request without the password gets 401', async () => {
  const r = await fetch(`${base}/resources`);
  assert.equal(r.status, 401);
  const wrong = await fetch(`${base}/resources.json`, { headers: { Authorization: 'Basic ' + Buffer.from(`${user}:x${password}`).toString('base64') } });
  assert.equal(wrong.status, 401);
});

test('a POST without the anti-CSRF token is refused', async () => {
  const r = await fetch(`${base}/resources`, {
    method: 'POST',
    headers: { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'action=cancel&id=1',
  });
  assert.equal(r.status, 403);
  assert.match(await r.text(), /anti-CSRF token/);
});

test('a hostile task name shows as text and runs nothing', async () => {
  const page = await login();
  try {
    const row = runStateRow(page, hostileName);
    await row.first().waitFor();
    assert.equal((await row.first().locator('td.cs-name').textContent()), hostileName);
    assert.equal(await page.locator('#cs-resources-sections script').count(), 0);
    // One refresh in place, and still text.
    await page.waitForFunction(() => /updated/.test(document.getElementById('cs-resources-status').textContent),
      null, { timeout: 30_000 });
    assert.equal((await runStateRow(page, hostileName).first().locator('td.cs-name').textContent()), hostileName);
    // The refreshed tables keep the console's styling (its initStaticWidgets, run again).
    assert.ok(await page.locator('#cs-runstates th.ui-widget-header').count() > 0);
    assert.deepEqual(dialogs, []);
  } finally {
    await page.close();
  }
});

test('a MultiOpen shows the opens of the bundle that holds it', async () => {
  const page = await login();
  try {
    const held = page.locator('#cs-multiopens tbody tr').filter({ hasText: consumerOf });
    await held.first().waitFor();
    assert.match(await held.first().locator('td.cs-consumers').textContent(), new RegExp(`${consumerOf.replace(/\./g, '\\.')} \\[\\d+\\]: \\d+`));
    assert.match(await held.first().locator('td.cs-phase').textContent(), /^OPEN/);
  } finally {
    await page.close();
  }
});

test('the pool chart has axes, a legend and a readable size; times and durations have one format', async () => {
  const page = await login();
  try {
    const chart = page.locator('#cs-pools svg.cs-chart').first();
    await chart.waitFor();
    const box = await chart.boundingBox();
    assert.ok(box.width >= 400 && box.height >= 140, `the chart is ${box.width}x${box.height}`);
    assert.equal(await chart.locator('g.cs-axis-y').count(), 1);
    assert.equal(await chart.locator('g.cs-axis-x').count(), 1);
    const legend = await chart.locator('g.cs-legend text').allTextContents();
    assert.deepEqual(legend, ['in use', 'idle']);
    const clocks = await chart.locator('g.cs-axis-x text').allTextContents();
    assert.equal(clocks.length, 3);
    for (const t of clocks) {
      assert.match(t, /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, 'a 24-hour clock time on the time axis');
    }
    const counts = await chart.locator('g.cs-axis-y text').allTextContents();
    assert.ok(counts.length >= 2 && counts[0] === '0', `counts ${counts}`);

    // Times: the 24-hour clock, with the date in the tables; durations: one style.
    const started = await page.locator('#cs-runstates td.cs-startTime').allTextContents();
    assert.ok(started.length > 0);
    for (const t of started.filter((x) => x !== '')) {
      assert.match(t, /^\d{4}-\d\d-\d\d ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/);
    }
    const durations = (await page.locator('#cs-runstates td.cs-runTimeMillis, #cs-runstates td.cs-etaMillis, '
      + '#cs-pools td.cs-longestWaitMillis, #cs-pools td.cs-meanWaitMillis').allTextContents()).filter((x) => x !== '');
    assert.ok(durations.length > 0);
    for (const d of durations) {
      assert.match(d, /^\d+(d|h|m|s|ms|µs|ns)( \d+(h|m|s|ms|µs|ns))?$/, `one duration style: "${d}"`);
    }
    await page.waitForFunction(() => /updated/.test(document.getElementById('cs-resources-status').textContent),
      null, { timeout: 30_000 });
    assert.match(await page.locator('#cs-resources-status').textContent(), /^updated ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/);
  } finally {
    await page.close();
  }
});

test('a task with progress shows a bar, its child under it, and pauses and resumes', async () => {
  const page = await login();
  try {
    const row = runStateRow(page, batchName).first();
    await row.waitFor();
    const id = await row.getAttribute('data-id');
    assert.equal(await row.locator('td.cs-percentDone progress').count(), 1);
    assert.match(await row.locator('td.cs-percentDone').textContent(), /\d+% copying files/);
    const child = page.locator(`#cs-runstates tr[data-parent-id="${id}"]`).first();
    await child.waitFor();
    assert.equal(await child.locator('td.cs-name .cs-child').count(), 1);
    assert.match(await child.locator('td.cs-name').textContent(), new RegExp(`${batchName}-part$`));

    const state = (want) => page.waitForFunction(([rowId, s]) => {
      const cell = document.querySelector(`#cs-runstates tr[data-id="${rowId}"] td.cs-state`);
      return cell && cell.textContent === s;
    }, [id, want], { timeout: 30_000 });
    await row.locator('button.cs-pause').click();
    await state('PAUSED');
    const paused = page.locator(`#cs-runstates tr[data-id="${id}"]`);
    assert.equal(await paused.locator('button.cs-pause').count(), 0);
    assert.equal(await paused.locator('button.cs-cancel').count(), 1, 'a paused one is live: it may be cancelled');
    await paused.locator('button.cs-resume').click();
    await state('RUNNING');
    assert.equal(await page.locator(`#cs-runstates tr[data-id="${id}"] button.cs-resume`).count(), 0);
  } finally {
    await page.close();
  }
});

test('a child stuck stopping after its parent was cancelled stays on the page, with a Cancel that works', async () => {
  const page = await login();
  try {
    const parent = runStateRow(page, 'stuck-parent').first();
    await parent.waitFor();
    const parentId = await parent.getAttribute('data-id');
    const child = page.locator(`#cs-runstates tr[data-parent-id="${parentId}"]`).first();
    await child.waitFor();
    const childId = await child.getAttribute('data-id');
    await parent.locator('button.cs-cancel').click();
    // The parent ends; the child, cancelled with it and never stopped, stays listed, live.
    await page.waitForFunction(([p, c]) => {
      const ps = document.querySelector(`#cs-runstates tr[data-id="${p}"] td.cs-state`);
      const cs = document.querySelector(`#cs-runstates tr[data-id="${c}"] td.cs-state`);
      return ps && ps.textContent === 'CANCELLED' && cs && cs.textContent === 'STOPPING';
    }, [parentId, childId], { timeout: 30_000 });
    const stuck = page.locator(`#cs-runstates tr[data-id="${childId}"]`);
    assert.ok(await stuck.evaluate((tr) => tr.classList.contains('cs-live')));
    await stuck.locator('button.cs-cancel').click();
    await page.waitForFunction(() => /^Cancelled /.test(document.getElementById('cs-resources-message').textContent),
      null, { timeout: 30_000 });
    assert.equal(await page.locator('#cs-resources-message').textContent(), `Cancelled ${childId} stuck-child (STOPPING)`);
  } finally {
    await page.close();
  }
});

test('logged in, one sees a running task, cancels it and sees it end', async () => {
  const page = await login();
  try {
    const row = runStateRow(page, taskName).first();
    await row.waitFor();
    assert.equal(await row.locator('td.cs-state').textContent(), 'RUNNING');
    // The screenshot once the pool chart has some history (the launcher samples every second here).
    await page.waitForFunction(() => {
      const line = document.querySelector('#cs-pools polyline.cs-inuse');
      return line && line.getAttribute('points').trim().split(/\s+/).length >= 12;
    }, null, { timeout: 60_000 });
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    const id = await row.getAttribute('data-id');
    await row.locator('button.cs-cancel').click();
    // The page refreshes in place (no reload): the row ends cancelled, without its button.
    const ended = page.locator(`#cs-runstates tr[data-id="${id}"] td.cs-state`);
    await page.waitForFunction((rowId) => {
      const cell = document.querySelector(`#cs-runstates tr[data-id="${rowId}"] td.cs-state`);
      return cell && cell.textContent === 'CANCELLED';
    }, id, { timeout: 30_000 });
    assert.equal(await ended.textContent(), 'CANCELLED');
    assert.equal(await page.locator(`#cs-runstates tr[data-id="${id}"] button`).count(), 0);
    assert.match(await page.locator('#cs-resources-message').textContent(), new RegExp(`^Cancelled ${id} `));

    // A stale button (a page not yet refreshed, its RunState ended meanwhile): the page says why
    // the action was refused, and the refresh that follows does not wipe that out. Before: a 409
    // and no word. The stale form is one of the page's own, pointing at the ended id.
    const stale = await page.evaluate((endedId) => {
      const form = document.querySelector('#cs-runstates form.cs-action');
      if (!form) {
        return false;
      }
      form.querySelector('input[name=id]').value = endedId;
      form.querySelector('input[name=action]').value = 'cancel';
      form.querySelector('button').disabled = false;
      form.requestSubmit();
      return true;
    }, id);
    assert.ok(stale, 'a form to make stale');
    await page.waitForFunction(() => /refused/.test(document.getElementById('cs-resources-message').textContent),
      null, { timeout: 30_000 });
    const before = await page.locator('#cs-resources-status').textContent();
    await page.waitForFunction((was) => document.getElementById('cs-resources-status').textContent !== was,
      before, { timeout: 30_000 });
    const told = await page.locator('#cs-resources-message').textContent();
    assert.match(told, new RegExp(`^Cancel refused: cancel: RunState ${id} has already ended \\(CANCELLED\\)`));
    assert.ok(await page.locator('#cs-resources-message.cs-refused').isVisible());
  } finally {
    await page.close();
  }
});

test('a pool is resized and evicted from its row, and a refused resize says why', async () => {
  const page = await login();
  try {
    const row = page.locator('#cs-pools tbody tr').filter({ has: page.locator('td.cs-name', { hasText: /^demo-buffers$/ }) }).first();
    await row.waitFor();
    const id = await row.getAttribute('data-service-id');
    const cell = (key) => page.locator(`#cs-pools tr[data-service-id="${id}"] td.cs-${key}`);
    const current = page.locator(`#cs-pools tr[data-service-id="${id}"]`);
    assert.equal(await cell('maxTotal').textContent(), '4');

    // What is typed survives the refresh in place.
    await current.locator('input[name=maxTotal]').fill('6');
    await current.locator('input[name=maxSize]').fill('6');
    const before = await page.locator('#cs-resources-status').textContent();
    await page.waitForFunction((was) => document.getElementById('cs-resources-status').textContent !== was,
      before, { timeout: 30_000 });
    assert.equal(await current.locator('input[name=maxTotal]').inputValue(), '6');
    assert.equal(await current.locator('input[name=maxSize]').inputValue(), '6');
    await current.locator('button.cs-resize').click();
    await page.waitForFunction(() => /^Resized /.test(document.getElementById('cs-resources-message').textContent),
      null, { timeout: 30_000 });
    assert.equal(await page.locator('#cs-resources-message').textContent(), `Resized pool ${id} demo-buffers: cap 6, max idle 6`);
    await page.waitForFunction(([sid]) => {
      const total = document.querySelector(`#cs-pools tr[data-service-id="${sid}"] td.cs-maxTotal`);
      const size = document.querySelector(`#cs-pools tr[data-service-id="${sid}"] td.cs-maxSize`);
      return total && total.textContent === '6' && size && size.textContent === '6';
    }, [id], { timeout: 30_000 });
    assert.equal(await current.locator('input[name=maxTotal]').inputValue(), '', 'done: the fields are empty again');

    // An idle bound above the cap: the pool refuses it, and the page says so, naming the pool and the value.
    await current.locator('input[name=maxSize]').fill('9');
    await current.locator('button.cs-resize').click();
    await page.waitForFunction(() => /refused/.test(document.getElementById('cs-resources-message').textContent),
      null, { timeout: 30_000 });
    assert.match(await page.locator('#cs-resources-message').textContent(),
      new RegExp(`^Resize refused: resize pool ${id} \\(demo-buffers\\): setMaxSize\\(9\\) on Pool\\[demo-buffers\\]: maxSize must not be above maxTotal 6`));
    assert.ok(await page.locator('#cs-resources-message.cs-refused').isVisible());
    assert.equal(await cell('maxSize').textContent(), '6');

    // Evict all: every object the pool had is dropped (the idle ones now, the ones in use as they come back).
    await page.waitForFunction((sid) => {
      const td = document.querySelector(`#cs-pools tr[data-service-id="${sid}"] td.cs-created`);
      return td && Number(td.textContent) > 0;
    }, id, { timeout: 30_000 });
    const dropped = Number(await cell('dropped').textContent());
    await current.locator('button.cs-evict').click();
    await page.waitForFunction(() => /^Evicted /.test(document.getElementById('cs-resources-message').textContent),
      null, { timeout: 30_000 });
    assert.match(await page.locator('#cs-resources-message').textContent(),
      new RegExp(`^Evicted all objects of pool ${id} demo-buffers: \\d+ in use will be disposed of when returned$`));
    await page.waitForFunction(([sid, was]) => {
      const td = document.querySelector(`#cs-pools tr[data-service-id="${sid}"] td.cs-dropped`);
      return td && Number(td.textContent) > was;
    }, [id, dropped], { timeout: 30_000 });
  } finally {
    await page.close();
  }
});
