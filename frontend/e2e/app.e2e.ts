// The app against the real server with `--demo` (docs/ARCHITECTURE.md §12).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO, gql, launch, screenshot, seriousViolations, signIn, token } from './browser';
import { cuttableProxy } from './proxy';

const baseUrl = inject('baseUrl');
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
});

let operatorToken: Promise<string> | null = null;

async function raiseAlert(title: string, severity = 'CRITICAL'): Promise<string> {
  operatorToken ??= token(baseUrl, DEMO.operator);
  const operator = await operatorToken;
  const data = await gql<{ raiseAlert: { alert: { id: string } } }>(
    baseUrl,
    'mutation($input: RaiseAlertInput!) { raiseAlert(input: $input) { alert { id } } }',
    { input: { severity, title } },
    operator,
  );
  return data.raiseAlert.alert.id;
}

describe('the web app served by the server', () => {
  it('says what is here when a browser opens the root signed out, and signs the operator in', async () => {
    const page = await browser.newPage();
    await page.goto(baseUrl);
    await page.getByRole('heading', { name: 'Sign in to Fleetgraph' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'signin');
    await page.goto(`${baseUrl}/signup`);
    await page.getByRole('heading', { name: 'Create an organization' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'signup');
    await page.close();
  });

  it('shows the demo fleet to the operator, with counts by status per site', async () => {
    const page = await browser.newPage();
    await signIn(page, baseUrl, DEMO.operator);
    const started = Date.now();
    await page.reload();
    await page.getByTestId('asset-row').first().waitFor({ timeout: 5_000 }).catch(async (e: unknown) => {
      await screenshot(page, 'overview-failed');
      throw e;
    });
    const firstRenderMs = Date.now() - started;
    console.log(`first render of the fleet overview after a reload: ${firstRenderMs} ms`);
    expect(firstRenderMs).toBeLessThan(1_000);
    expect(await page.getByTestId('asset-row').count()).toBe(13);
    expect(await page.getByTestId('site').count()).toBe(2);
    await page.getByText('Berlin', { exact: false }).first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'overview');
    await page.getByLabel('Search').fill('kuka');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="asset-row"]').length < 13);
    expect(await page.getByTestId('asset-row').count()).toBeGreaterThan(0);
    await screenshot(page, 'overview-search');
    await page.close();
  });

  it('refreshes an expired access token with the refresh token and stays signed in', async () => {
    const page = await browser.newPage();
    await signIn(page, baseUrl, DEMO.operator);
    // As after a laptop slept past the token's expiry: a dead access token, a live refresh token.
    await page.evaluate(() => {
      const session = JSON.parse(localStorage.getItem('fleetgraph.session') ?? '{}') as Record<string, unknown>;
      localStorage.setItem(
        'fleetgraph.session',
        JSON.stringify({ ...session, accessToken: 'fga_expired', accessTokenExpiresAt: '2000-01-01T00:00:00Z' }),
      );
    });
    await page.reload();
    await page.waitForFunction(() => {
      const session = JSON.parse(localStorage.getItem('fleetgraph.session') ?? '{}') as { accessToken?: string };
      return session.accessToken !== undefined && session.accessToken !== 'fga_expired';
    });
    await page.getByTestId('asset-row').first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await page.close();
  });

  it('opens an asset from the overview and its chart receives live points', async () => {
    const page = await browser.newPage();
    await signIn(page, baseUrl, DEMO.operator);
    await page.getByRole('link', { name: 'Spot welder 1' }).click();
    await page.getByRole('heading', { name: /Spot welder 1/ }).waitFor();
    const chart = page.getByTestId('chart');
    await chart.waitFor();
    const points = async () => Number(await chart.getAttribute('data-points'));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart"]')?.getAttribute('data-points')) > 0);
    const first = await points();
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="chart"]')?.getAttribute('data-points')) > n,
      first,
      { timeout: 5_000 },
    );
    console.log(`asset chart: ${first} points, then ${await points()} with live readings`);
    expect(await page.getByTestId('latest').locator('.mantine-Card-root').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'asset');
    await page.close();
  });

  it('shows an alert raised through the API in the inbox within 2 s, without a reload', async () => {
    const page = await browser.newPage();
    await signIn(page, baseUrl, DEMO.operator);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    await page.getByText('live', { exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    const title = `Gripper jammed ${Date.now()}`;
    const started = Date.now();
    const id = await raiseAlert(title);
    await page.locator(`[data-alert-id="${id}"]`).waitFor({ timeout: 2_000 });
    console.log(`alert raised through the API shown in the inbox after ${Date.now() - started} ms`);
    // A critical alert also shows a toast.
    await page.getByText('Critical alert').first().waitFor({ timeout: 2_000 });
    await screenshot(page, 'alerts');
    await page.close();
  });

  it('shows an acknowledgement made in one browser in another at once', async () => {
    const id = await raiseAlert(`Conveyor stalled ${Date.now()}`, 'WARNING');
    const first = await browser.newContext();
    const second = await browser.newContext();
    const a = await first.newPage();
    const b = await second.newPage();
    for (const page of [a, b]) {
      await signIn(page, baseUrl, DEMO.operator);
      await page.goto(`${baseUrl}/alerts`);
      await page.locator(`[data-alert-id="${id}"][data-status="OPEN"]`).waitFor();
    }
    await a.locator(`[data-alert-id="${id}"]`).getByRole('button', { name: 'Acknowledge' }).click();
    await a.getByLabel('Note (optional)').fill('on my way');
    await a.getByRole('dialog').getByRole('button', { name: 'Acknowledge' }).click();
    await b.locator(`[data-alert-id="${id}"][data-status="ACKNOWLEDGED"]`).waitFor({ timeout: 2_000 });
    await screenshot(b, 'alerts-acknowledged-elsewhere');
    await first.close();
    await second.close();
  });

  it('offers a viewer no acknowledge, resolve or bulk action', async () => {
    await raiseAlert(`Door open ${Date.now()}`, 'INFO');
    const page = await browser.newPage();
    await signIn(page, baseUrl, DEMO.viewer);
    await page.goto(`${baseUrl}/alerts`);
    await page.getByTestId('alert').first().waitFor();
    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Resolve' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Acknowledge selected/ }).count()).toBe(0);
    expect(await page.getByRole('checkbox', { name: /^Select / }).count()).toBe(0);
    await screenshot(page, 'alerts-viewer');
    await page.close();
  });

  it('lets an operator acknowledge from a 390 px wide phone screen', async () => {
    const id = await raiseAlert(`Battery low ${Date.now()}`, 'ERROR');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, baseUrl, DEMO.operator);
    await page.goto(`${baseUrl}/alerts`);
    const card = page.locator(`[data-alert-id="${id}"]`);
    await card.waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'alerts-phone');
    await card.getByRole('button', { name: 'Acknowledge' }).tap();
    await page.getByRole('dialog').getByRole('button', { name: 'Acknowledge' }).tap();
    await page.locator(`[data-alert-id="${id}"][data-status="ACKNOWLEDGED"]`).waitFor();
    await page.goto(`${baseUrl}/`);
    await page.getByTestId('asset-row').first().waitFor();
    await screenshot(page, 'overview-phone');
    await context.close();
  });

  it('lets an operator trigger an emergency stop behind a confirmation and an engineer reset it with a note', async () => {
    const operator = await browser.newContext();
    const page = await operator.newPage();
    await signIn(page, baseUrl, DEMO.operator);
    await page.getByRole('link', { name: 'Emergency stops' }).click();
    await page.getByRole('heading', { name: 'Emergency stops' }).waitFor();
    // Checked before the stop: its toasts are checked mid-animation otherwise.
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('combobox', { name: 'What to stop' }).fill('Curing');
    await page.getByRole('option', { name: /Curing oven/ }).click();
    await page.getByLabel('Reason').fill('smoke near the oven');
    await page.getByRole('button', { name: 'Trigger emergency stop' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop now' }).click();
    const stop = page.getByTestId('stop').filter({ hasText: 'Curing oven' });
    await stop.waitFor();
    expect(await stop.getByRole('button', { name: 'Reset' }).count()).toBe(0);
    await screenshot(page, 'stops');
    await page.getByRole('link', { name: 'Fleet' }).click();
    await page.locator('[data-code="M-OVEN-01"]').getByText('e-stopped').waitFor({ timeout: 2_000 });
    await page.getByRole('link', { name: 'Emergency stops' }).click();
    await stop.waitFor();

    const engineer = await browser.newContext();
    const other = await engineer.newPage();
    await signIn(other, baseUrl, DEMO.engineer);
    await other.goto(`${baseUrl}/stops`);
    await other.getByTestId('stop').filter({ hasText: 'Curing oven' }).getByRole('button', { name: 'Reset' }).click();
    await other.getByLabel('What was checked before restarting').fill('extinguisher ready, no smoke');
    await other.getByRole('dialog').getByRole('button', { name: 'Reset' }).click();
    await other.getByTestId('stop').filter({ hasText: 'Curing oven' }).waitFor({ state: 'detached' });
    // The operator's page drops it too, without a reload.
    await stop.waitFor({ state: 'detached', timeout: 2_000 });
    await operator.close();
    await engineer.close();
  });

  it('shows the socket down while the network is cut for 10 s, and the alerts raised meanwhile after it is back', async () => {
    const proxy = await cuttableProxy(baseUrl);
    const page = await browser.newPage();
    // The cursors the page subscribes with, from the graphql-transport-ws frames it sends.
    const cursors: (string | null)[] = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        const message = JSON.parse(String(payload)) as { type: string; payload?: { query?: string; variables?: { after?: string | null } } };
        if (message.type === 'subscribe' && message.payload?.query?.includes('alerts(after:')) {
          cursors.push(message.payload.variables?.after ?? null);
        }
      }),
    );
    await signIn(page, proxy.url, DEMO.operator);
    await page.goto(`${proxy.url}/alerts`);
    await page.getByText('live', { exact: true }).waitFor();
    // One event seen before the cut: the subscription then resumes with alerts(after:) at it.
    const before = await raiseAlert(`Seen before the cut ${Date.now()}`, 'INFO');
    await page.locator(`[data-alert-id="${before}"]`).waitFor({ timeout: 2_000 });
    const cut = Date.now();
    proxy.cut();
    await page.getByTestId('connection-down').waitFor({ timeout: 5_000 });
    console.log(`connection indicator down ${Date.now() - cut} ms after the network was cut`);
    await screenshot(page, 'alerts-offline');
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push(await raiseAlert(`Missed while offline ${n} ${Date.now()}`, 'WARNING'));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - cut))));
    for (const id of ids) expect(await page.locator(`[data-alert-id="${id}"]`).count()).toBe(0);
    const restored = Date.now();
    proxy.restore();
    for (const id of ids) await page.locator(`[data-alert-id="${id}"]`).waitFor({ timeout: 10_000 });
    console.log(`alerts raised while cut off shown ${Date.now() - restored} ms after the network came back`);
    // First subscribed from the present, then resumed after the event seen before the cut.
    expect(cursors[0]).toBeNull();
    expect(cursors.at(-1)).toMatch(/^[0-9]+$/);
    await page.getByText('live', { exact: true }).waitFor();
    await page.close();
    await proxy.close();
  });

  it('runs a subscription in the playground over the socket with the session token', async () => {
    const page = await browser.newPage();
    let subscribed = false;
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        if (String(payload).includes('"subscribe"') && String(payload).includes('kinds: [RAISED]')) subscribed = true;
      }),
    );
    await signIn(page, baseUrl, DEMO.operator);
    const operation = 'subscription { alerts(kinds: [RAISED]) { kind alert { title } } }';
    await page.goto(`${baseUrl}/playground?query=${encodeURIComponent(operation)}`);
    await page.locator('.graphiql-container').waitFor();
    // One click once the editor shows the operation (a second click would stop it).
    await page.waitForFunction(() => document.querySelector('.graphiql-query-editor')?.textContent?.includes('RAISED'));
    await page.getByRole('button', { name: /Execute query/i }).click();
    await page.waitForFunction(() => document.querySelector('.graphiql-execute-button')?.getAttribute('aria-label')?.includes('Stop'), null, {
      timeout: 5_000,
    });
    await expect.poll(() => subscribed, { timeout: 5_000 }).toBe(true);
    // Short and without spaces, so that the result pane does not wrap it over two lines.
    const title = `pg-${Date.now()}`;
    await raiseAlert(title, 'INFO');
    await page.waitForFunction(
      (t) => document.querySelector('.graphiql-response')?.textContent?.includes(t),
      title,
      { timeout: 5_000 },
    ).catch(async (e: unknown) => {
      await screenshot(page, 'playground-subscription-failed');
      throw e;
    });
    await screenshot(page, 'playground-subscription');
    await page.close();
  });

  it('runs a query in the playground with no Internet access, with the session token', async () => {
    const context = await browser.newContext();
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      outside.push(url.href);
      return route.abort();
    });
    const page = await context.newPage();
    await signIn(page, baseUrl, DEMO.operator);
    // A browser asking for /graphql is sent to the playground.
    await page.goto(`${baseUrl}/graphql`);
    expect(new URL(page.url()).pathname).toBe('/playground');
    await page.locator('.graphiql-container').waitFor();
    // The editor loads its workers before a click runs the query: click until the answer shows.
    let answered = false;
    for (let attempt = 0; attempt < 20 && !answered; attempt += 1) {
      await page.getByRole('button', { name: /Execute query/i }).click();
      answered = await page
        .waitForFunction(() => document.querySelector('.graphiql-response')?.textContent?.includes('OPERATOR'), null, {
          timeout: 1_000,
        })
        .then(() => true)
        .catch(() => false);
    }
    expect(answered).toBe(true);
    console.log(`axe-core on the playground (GraphiQL's own markup): ${JSON.stringify(await seriousViolations(page))}`);
    await screenshot(page, 'playground');
    expect(outside).toEqual([]);
    await context.close();
  });
});
