// Step 7: the API view. Open it, Start API, see the routes with their URLs, open a route from the
// view and from the route lenses (template.yaml, over the handler), fetch the route from the test
// (the handler answers), see the requests in Lamina's output, Stop API (the port is closed).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { laminaLog } from '../lib/codeserver.mjs';
import { call, Failure, until } from '../lib/util.mjs';
import { clickLens, goToLine, lensesAbove, quickPick, uiState, waitQuickInput } from '../lib/workbench.mjs';
import { openFile } from './editor.mjs';

const FUNCTION = 'ItemsFunction';
const ROUTE_PATH = '/{proxy+}';

/** The path in the handler's own 404 ("no route for GET <path>", not the gateway's "Not Found"),
 * decoded (a browser sends `{` as %7B, VS Code's URIs also `+` as %2B), else null. */
function handlerMissPath(text) {
  try {
    const m = /^no route for GET (\S+)$/.exec(JSON.parse(text).message ?? '');
    return m ? decodeURIComponent(m[1]) : null;
  } catch {
    return null;
  }
}

/** What the API view's pane shows: its welcome buttons, its message and its rows. */
async function apiPane(page) {
  return page.evaluate(() => {
    const t = (el) => (el?.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
    const visible = (el) => !!el && el.getClientRects().length > 0;
    const pane = [...document.querySelectorAll('.part.panel .pane')].find((p) => t(p.querySelector('.pane-header .title')) === 'API');
    if (!visible(pane)) return { visible: false, panes: [...document.querySelectorAll('.part.panel .pane-header .title')].map(t) };
    const rows = [...pane.querySelectorAll('.monaco-list-row')]
      .map((r) => ({ level: Number(r.getAttribute('aria-level')), label: t(r.querySelector('.label-name')), description: t(r.querySelector('.label-description')), index: Number(r.getAttribute('data-index')) }))
      .sort((a, b) => a.index - b.index);
    const welcome = [...pane.querySelectorAll('.welcome-view-content .monaco-button')].filter(visible).map(t);
    const message = [...pane.querySelectorAll('.message')].filter(visible).map(t).join(' ');
    return { visible: true, expanded: pane.classList.contains('expanded'), welcome, message, rows: visible(pane.querySelector('.monaco-list')) ? rows : [] };
  });
}

/** A VS Code dialog, if one shows (e.g. "Do you want Code to open the external website?"). */
const dialog = (page) => page.evaluate(() => (document.querySelector('.monaco-dialog-box')?.textContent ?? '').replace(/\s+/g, ' ').trim() || null);

/** Does `action` open a browser tab? Resolves to its URL and body text; the tab is closed after. */
async function opensTab(t, what, action) {
  const { ctx, page } = t;
  const popup = ctx.browser.waitForEvent('page', { timeout: 30000 }).catch(async (e) => {
    throw new Failure(`${what} to open a browser tab`, { error: String(e?.message ?? e).split('\n')[0], dialog: await dialog(page), ui: await uiState(page) });
  });
  await action();
  const tab = await popup;
  try {
    await tab.waitForLoadState('domcontentloaded', { timeout: 30000 });
    // The tab may start on about:blank and then navigate (window.open, then the URL).
    const loaded = await until(`the tab that ${what} opened to load an http URL`, async () => {
      const url = tab.url();
      const body = url.startsWith('http') ? ((await tab.textContent('body').catch(() => null)) ?? '').trim() : '';
      return { ok: !!body, url, body, seen: { url, body } };
    }, { timeout: 30000, interval: 200 });
    return { url: loaded.url, body: loaded.body };
  } finally {
    await tab.close().catch(() => undefined);
    await page.bringToFront();
  }
}

/** Runs a command from the palette (F1), by its title. */
async function palette(page, title) {
  await page.keyboard.press('F1');
  await waitQuickInput(page, 'the command palette', (s) => s.value.startsWith('>'));
  await quickPick(page, title, title, (r) => r.startsWith(title));
}

/** The route lens over `line` in the active editor: its title, and the tab clicking it opens. */
async function routeLens(t, file, line, lineStart, title) {
  const { page } = t;
  await goToLine(page, line);
  const lens = await until(`the lens "${title}" right above "${lineStart}" in ${file} (the API runs: 🌐 ▶)`, async () => {
    const r = await lensesAbove(page, lineStart);
    return { ok: r.titles.includes(title), titles: r.titles, seen: { lineVisible: r.lineVisible, lenses: r.all } };
  }, { timeout: 30000, interval: 250 });
  const tab = await opensTab(t, `the lens "${title}" in ${file}`, () => clickLens(page, title));
  return { lenses: lens.titles, ...tab };
}

/** Connecting to 127.0.0.1:port: 'open', 'refused' or another error code. */
function probePort(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setTimeout(5000, () => (sock.destroy(), resolve('timeout')));
    sock.on('connect', () => (sock.destroy(), resolve('open')));
    sock.on('error', (e) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : e.code));
  });
}

/** The requests the API reported in the Lamina output channel ("[api] GET /items 200 → Fn 1.2 ms"),
 * as logged lines (a timestamp and level first), not the LSP trace's copies of them. */
function reportedRequests(userDataDir) {
  const re = /^\d{4}-\d\d-\d\d \S+ \[\w+\] \[api\] (\S+) (\S+) (\d{3}) → (\S+) [\d.]+ ms/gm;
  return [...laminaLog(userDataDir).matchAll(re)].map((m) => ({ method: m[1], path: m[2], status: Number(m[3]), function: m[4] }));
}

export async function api(t) {
  const { page, ctx, cs, handlerName, defLine, ws, apiPort: port } = t;
  const base = `http://127.0.0.1:${port}`;
  if ((await probePort(port)) === 'open') throw new Failure(`nothing listening on the API port ${port} before Start API`, 'open');

  // Open the view: its welcome offers Start API.
  await palette(page, 'Lamina: Focus on API View');
  await until('the API view in the panel "Lamina", with its welcome button "Start API"', async () => {
    const p = await apiPane(page);
    return { ok: p.visible && p.welcome.includes('Start API'), seen: { pane: p, ui: await uiState(page) } };
  }, { timeout: 15000, interval: 200 });
  await page.screenshot({ path: path.join(ctx.out, 'step7-api-view.png') });

  // Start API: the routes, each with its function and URL; the view says where the API runs.
  await page.locator('.part.panel .pane .welcome-view-content .monaco-button').filter({ hasText: /^\s*Start API\s*$/ }).first().click();
  const routeUrl = `${base}${ROUTE_PATH}`;
  const started = await until(`the API view listing ServerlessHttpApi with the route "ANY /{proxy+}" described "${FUNCTION} · ${routeUrl}", and the message "Running at ${base}"`, async () => {
    const p = await apiPane(page);
    const route = p.rows?.find((r) => r.level === 2 && r.label === 'ANY /{proxy+}');
    const group = p.rows?.find((r) => r.level === 1);
    const ok = !!route && route.description === `${FUNCTION} · ${routeUrl}` && /ServerlessHttpApi/.test(group?.label ?? '') && p.message === `Running at ${base}`;
    return { ok, pane: p, seen: { pane: p, ui: ok ? undefined : await uiState(page) } };
  }, { timeout: 60000, interval: 200 });
  await page.screenshot({ path: path.join(ctx.out, 'step7-api-started.png') });

  // The route's URL answers: the handler's own 404 for the literal /{proxy+} (not the gateway's),
  // and its items under /items/1.
  const direct = await call(routeUrl);
  if (direct.status !== 404 || direct.headers.get('x-service') !== 'items-api' || handlerMissPath(direct.text) !== ROUTE_PATH) {
    throw new Failure(`GET ${routeUrl} answered by the handler (404, x-service: items-api, "no route for GET …")`, `HTTP ${direct.status} ${direct.headers.get('x-service')}: ${direct.text}`);
  }
  const item = await call(`${base}/items/1`);
  if (item.status !== 200 || item.body?.name !== 'Notebook') throw new Failure(`GET ${base}/items/1 to answer 200 with the item "Notebook"`, `HTTP ${item.status}: ${item.text}`);

  // Open the route: from the view's row, then the lenses in template.yaml and over the handler.
  const fromView = await opensTab(t, 'a click on the route row in the API view', () =>
    page.locator('.part.panel .pane .monaco-list-row').filter({ hasText: 'ANY /{proxy+}' }).first().click(),
  );
  const title = '🌐 ▶ ANY /{proxy+}';
  await openFile(page, 'template.yaml', '');
  const templateLine = 1 + fs.readFileSync(path.join(ws, 'template.yaml'), 'utf8').split('\n').findIndex((l) => l.trim() === `${FUNCTION}:`);
  const fromTemplate = await routeLens(t, 'template.yaml', templateLine, `${FUNCTION}:`, title);
  await openFile(page, handlerName);
  const fromHandler = await routeLens(t, handlerName, defLine, 'def handler(', title);
  const opened = { view: fromView, template: fromTemplate, handler: fromHandler };
  for (const [where, tab] of Object.entries(opened)) {
    // code-server hands a localhost URL to its own /proxy/<port>/: the route's path must survive.
    const url = decodeURIComponent(tab.url);
    if (handlerMissPath(tab.body) !== ROUTE_PATH || !(url.endsWith(`:${port}${ROUTE_PATH}`) || url.endsWith(`/proxy/${port}${ROUTE_PATH}`))) {
      throw new Failure(`the tab opened from the ${where} at …/${port}${ROUTE_PATH}, showing the handler's answer for that path (as ${routeUrl} answers: ${direct.text})`, tab);
    }
  }

  // Every request went to Lamina's output: the two fetches and the three tabs.
  const reported = await until(`the Lamina output reporting "[api] GET … → ${FUNCTION}" for the 5 requests (2 fetched, 3 opened tabs), among them "GET /items/1 200"`, async () => {
    const r = reportedRequests(cs.userDataDir);
    const ok = r.length >= 5 && r.every((x) => x.function === FUNCTION) && r.some((x) => x.path === '/items/1' && x.status === 200) && r.filter((x) => x.status === 404).length >= 4;
    return { ok, r, seen: r };
  }, { timeout: 15000, interval: 250 });
  // What a user sees: Lamina: Show Output, filtered on the request fetched first (the view
  // shows the channel's last lines only).
  await palette(page, 'Lamina: Show Output');
  const filter = page.locator('.part.panel .viewpane-filter input >> visible=true').first();
  await filter.click();
  await page.keyboard.type('[api] GET /items/1 200');
  const want = `[info] [api] GET /items/1 200 → ${FUNCTION}`;
  const shown = await until(`the Output view on the Lamina channel, filtered on "[api] GET /items/1 200", showing a line "… ${want} … ms"`, async () => {
    const lines = await page.$$eval('.part.panel .output-view .monaco-editor .view-line', (els) => els.map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ')));
    const line = lines.find((l) => l.includes(want));
    return { ok: !!line, line, seen: { lines: lines.slice(-8), ui: await uiState(page) } };
  }, { timeout: 15000, interval: 250 });
  await page.screenshot({ path: path.join(ctx.out, 'step7-api-output.png') });
  await filter.fill(''); // the filter would stay for the next look at the output

  // Stop API from the view's title bar: the view goes back to its welcome, the port closes.
  await palette(page, 'Lamina: Focus on API View');
  const header = page.locator('.part.panel .pane').filter({ has: page.locator('.pane-header .title', { hasText: /^API$/ }) }).locator('.pane-header');
  await header.hover();
  await header.locator('.actions .action-label[aria-label*="Stop API"]').click();
  const stopped = await until(`after Stop API: the API view's welcome "Start API" again, and 127.0.0.1:${port} refusing connections`, async () => {
    const p = await apiPane(page);
    const state = await probePort(port);
    return { ok: p.welcome.includes('Start API') && p.rows.length === 0 && state === 'refused', state, seen: { pane: p, port: state } };
  }, { timeout: 20000, interval: 250 });
  return {
    apiPort: port,
    routes: started.pane.rows.map((r) => `${'  '.repeat(r.level - 1)}${r.label} — ${r.description}`),
    message: started.pane.message,
    fetched: { [routeUrl]: `${direct.status} ${direct.text}`, [`${base}/items/1`]: `${item.status} ${item.body.name}` },
    opened: Object.fromEntries(Object.entries(opened).map(([k, v]) => [k, v.url])),
    lensesInTemplate: fromTemplate.lenses,
    reported: reported.r.map((x) => `${x.method} ${x.path} ${x.status} → ${x.function}`),
    outputLine: shown.line.trim(),
    afterStop: stopped.state,
  };
}
