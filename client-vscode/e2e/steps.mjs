// Steps 1-7 in one code-server on a copy of samples/http-api, step 8 in a second, fresh one. A failed
// step is recorded (message, screenshot, UI state) and the next steps still run, so one run reports
// all of them.
import fs from 'node:fs';
import path from 'node:path';
import { copyLogs, makeWorkspace, startCodeServer } from './lib/codeserver.mjs';
import { freePort } from './lib/processes.mjs';
import { errorText, Failure, findFiles, lineOf, norm, say, secs, short, until } from './lib/util.mjs';
import { openWorkbench, uiState, problems } from './lib/workbench.mjs';
import { initLines } from './measure.mjs';
import { api } from './steps/api.mjs';
import { createHandler } from './steps/create-handler.mjs';
import { debug } from './steps/debug.mjs';
import { lenses, run } from './steps/editor.mjs';
import { closeInstall, installLamina } from './steps/install.mjs';
import { LAUNCH_NAME, launchDebug, writeLaunchJson } from './steps/launch.mjs';
import { sync } from './steps/sync.mjs';

export const STEP_COUNT = 8;

/** What the steps need to know about the sample: the handler file, its lines, the template. */
function fixture(ws) {
  const handlerFile = findFiles(path.join(ws, 'src'), (p) => p.endsWith('.py')).find((p) => /^def handler\(/m.test(fs.readFileSync(p, 'utf8')));
  if (!handlerFile) throw new Failure('a .py file with `def handler(` in samples/http-api/src', fs.readdirSync(path.join(ws, 'src')));
  const handlerName = path.basename(handlerFile);
  const source = fs.readFileSync(handlerFile, 'utf8');
  const defLine = lineOf(source, /^def handler\(/);
  const bodyLine = defLine + 1; // the first statement of the handler's body
  const editLine = lineOf(source, /^\s+response\["headers"\]\.update\(request_headers\)/, defLine);
  if (editLine < 0) throw new Failure('`response["headers"].update(request_headers)` in the handler (the line step 4 edits after)', handlerName);
  const templateName = /^\s+FunctionName:\s*["']?([\w-]+)/m.exec(fs.readFileSync(path.join(ws, 'template.yaml'), 'utf8'))?.[1];
  if (!templateName) throw new Failure('a FunctionName in samples/http-api/template.yaml', 'none');
  return {
    handlerFile,
    handlerName,
    defLine,
    bodyLine,
    bodyText: norm(source.split('\n')[bodyLine - 1]),
    editLine,
    templateName,
    getItemEvent: JSON.parse(fs.readFileSync(path.join(ws, 'events', 'get-item.json'), 'utf8')),
  };
}

async function step(ctx, n, slug, title, fn) {
  ctx.live.where = `step ${n} (${title})`;
  const t = Date.now();
  say(`step ${n}: ${title}`);
  let details;
  try {
    details = await fn();
  } catch (e) {
    const ms = Date.now() - t;
    const message = errorText(e);
    const { page } = ctx.live; // a step may open another page (step 8)
    const ui = await uiState(page);
    const shot = path.join(ctx.out, `step${n}-${slug}-failure.png`);
    await page.screenshot({ path: shot }).catch(() => undefined);
    if (!fs.existsSync(path.join(ctx.out, 'failure.png')) && fs.existsSync(shot)) fs.copyFileSync(shot, path.join(ctx.out, 'failure.png'));
    ctx.summary.steps.push({ step: n, title, ok: false, ms, screenshot: shot, message, expected: e?.expected, seen: e?.seen, ui });
    console.error(`[${secs()} s] step ${n}: FAILED (${ms} ms): ${message}`);
    console.error(`           UI: ${short(ui, 1500)}`);
    // Back to rest for the next step: no quick input, no debug session.
    await page.keyboard.press('Escape').catch(() => undefined);
    await page.keyboard.press('Escape').catch(() => undefined);
    const debugging = await page.evaluate(() => !!document.querySelector('.debug-toolbar')?.getClientRects().length).catch(() => false);
    if (debugging) await page.keyboard.press('Shift+F5').catch(() => undefined);
    return;
  }
  const shot = path.join(ctx.out, `step${n}-${slug}.png`);
  await ctx.live.page.screenshot({ path: shot });
  const ms = Date.now() - t;
  ctx.summary.steps.push({ step: n, title, ok: true, ms, screenshot: shot, ...(details ? { details } : {}) });
  say(`step ${n}: ok (${ms} ms)${details ? ` ${short(details, 400)}` : ''}`);
}

/** Not a step (it never fails the run): what the workbench shows at the end, for the report. */
async function observe(page) {
  const settled = await until('the sync status to settle', async () => {
    const st = (await uiState(page)).laminaStatus ?? '';
    return { ok: !/queued|packaging|uploading|waiting/.test(st), status: st, seen: st };
  }, { timeout: 15000, interval: 250 }).catch((e) => ({ status: `still busy: ${e.seen}` }));
  if ((await problems(page)) === null) await page.keyboard.press('Control+Shift+m'); // it toggles
  const rows = await until('the Problems view', async () => {
    const r = await problems(page);
    return { ok: r !== null, r };
  }, { timeout: 5000 });
  return {
    syncStatus: settled.status,
    problems: rows.r.map((p) => `${p.file}: ${p.text}`),
    notifications: (await uiState(page)).notifications,
    dirtyTabs: await page.$$eval('.tabs-container .tab.dirty', (els) => els.map((e) => e.getAttribute('aria-label'))),
  };
}

export async function runSteps(ctx) {
  const ws = makeWorkspace(ctx, 'main');
  const fx = fixture(ws);
  writeLaunchJson(ws); // for step 6
  const apiPort = await freePort(); // step 7's API, not 3000 (the machine may run another)
  const settings = { 'lamina.api.port': apiPort };
  const cs = await startCodeServer(ctx, 'main', { workspace: ws, env: { LAMINA_DAP_TRACE: ctx.dapTrace }, trace: true, settings });
  ctx.summary.codeServer = { url: cs.url, emulatorEndpoint: `http://127.0.0.1:${cs.emulatorPort}` };
  const page = await openWorkbench(ctx, cs);
  say('workbench loaded');
  // Lamina's status bar item is created in activate(): the extension is running.
  await until('the Lamina status bar item (the extension activated)', async () => {
    const s = await uiState(page);
    return { ok: !!s.laminaStatus, seen: s };
  }, { timeout: 60000 });
  const t = { ctx, page, cs, ws, apiPort, ...fx };
  await step(ctx, 1, 'lenses', `open ${fx.handlerName}, see the lenses over the handler`, () => lenses(t));
  ctx.summary.measurements.mainRun = initLines(cs.userDataDir).lines[0] ?? null;
  await step(ctx, 2, 'run', 'click ▶ Run, see the result in the Results view', () => run(t));
  await step(ctx, 3, 'debug', `breakpoint on line ${fx.bodyLine}, ⚙ Debug stops there, F5 continues`, () => debug(t));
  await step(ctx, 4, 'sync', 'edit the handler, Ctrl+S, sync to the emulator', () => sync(t));
  await step(ctx, 5, 'create-handler', 'Lamina: Create Handler saves a new function that runs', () => createHandler(t));
  await step(ctx, 6, 'launch', `F5 on launch.json's "${LAUNCH_NAME}" stops on line ${fx.bodyLine}, F5 continues`, () => launchDebug(t));
  await step(ctx, 7, 'api', 'API view: Start API, open the route (view, lenses), the handler answers, requests in the output, Stop API', () => api(t));
  ctx.live.where = 'the end';
  try {
    ctx.summary.observations = await observe(page);
    await page.screenshot({ path: path.join(ctx.out, 'after-problems.png') });
  } catch (e) {
    ctx.summary.observations = { error: errorText(e) };
  }
  await page.close();
  cs.stop();
  copyLogs(ctx, cs);
  // Step 8 in a second, fresh code-server whose interpreter has no Lamina.
  const inst = { ctx, handlerName: fx.handlerName, defLine: fx.defLine };
  try {
    await step(ctx, 8, 'install', 'a fresh code-server on a venv without Lamina: "Install Lamina" installs it, the server starts', () => installLamina(inst));
  } finally {
    await closeInstall(ctx, inst);
  }
}
