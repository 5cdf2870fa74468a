// Step 4: an edit + Ctrl+S syncs to the emulator; the status bar says so, and the emulator, asked
// over plain unsigned HTTP, lists the function and runs the new code.
import fs from 'node:fs';
import { RUN_ID } from '../lib/processes.mjs';
import { call, Failure, until } from '../lib/util.mjs';
import { focusEditor, goToLine, uiState } from '../lib/workbench.mjs';

export async function sync(t) {
  const { page, cs, handlerName, handlerFile, editLine, templateName, getItemEvent } = t;
  const marker = `e2e-${RUN_ID}`;
  const edited = `response["headers"]["x-lamina-e2e"] = "${marker}"`;
  const statusBefore = (await uiState(page)).laminaStatus;
  // Record every text of Lamina's status item: packaging/uploading may last only milliseconds.
  await page.evaluate(() => {
    window.__laminaStatus = [];
    const record = () => {
      const s = [...document.querySelectorAll('.part.statusbar .statusbar-item')].map((e) => (e.textContent ?? '').trim()).find((x) => x.includes('Lamina'));
      if (s && window.__laminaStatus.at(-1) !== s) window.__laminaStatus.push(s);
    };
    new MutationObserver(record).observe(document.querySelector('.part.statusbar'), { subtree: true, childList: true, characterData: true });
    record();
  });
  await focusEditor(page, handlerName);
  await goToLine(page, editLine);
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type(edited);
  await until('the edited line in the editor', async () => {
    const lines = await page.$$eval('.part.editor .editor-instance .monaco-editor .view-line', (els) => els.map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ')));
    const l = lines.find((x) => x.includes(marker));
    return { ok: l?.trim() === edited, seen: l ?? lines.slice(-5) };
  }, { timeout: 5000 });
  const tSave = Date.now();
  await page.keyboard.press('Control+s');
  await until(`${handlerName} saved with the edit`, async () => ({ ok: fs.readFileSync(handlerFile, 'utf8').includes(marker), seen: 'the file on disk has no marker yet' }), { timeout: 10000 });
  const status = await until('the Lamina status bar item to mention the emulator target and report the sync done ("synced")', async () => {
    const seq = await page.evaluate(() => window.__laminaStatus);
    const now = seq.at(-1) ?? '';
    const changed = seq.length > 1 || now !== statusBefore;
    return { ok: changed && /emulator/.test(now) && /synced/.test(now), seq, seen: { before: statusBefore, sequence: seq, ui: await uiState(page) } };
  }, { timeout: 90000, interval: 150 });
  const syncMs = Date.now() - tSave;
  // ListFunctions at the path botocore sends (no trailing slash).
  const endpoint = `http://127.0.0.1:${cs.emulatorPort}`;
  const list = await call(`${endpoint}/2015-03-31/functions`);
  if (!list.ok) throw new Failure(`GET ${endpoint}/2015-03-31/functions (ListFunctions, unsigned) to answer 200`, `HTTP ${list.status}: ${list.text}`);
  const functions = list.body.Functions ?? [];
  const fn = functions.find((f) => f.FunctionName === templateName);
  if (!fn) throw new Failure(`the synced function ${templateName} in ListFunctions`, functions.map((f) => f.FunctionName));
  const inv = await call(`${endpoint}/2015-03-31/functions/${encodeURIComponent(fn.FunctionName)}/invocations`, {
    method: 'POST',
    body: JSON.stringify(getItemEvent),
    headers: { 'content-type': 'application/json' },
  });
  const fnError = inv.headers.get('x-amz-function-error');
  if (!inv.ok || fnError || inv.body?.headers?.['x-lamina-e2e'] !== marker || inv.body?.statusCode !== 200) {
    throw new Failure(`POST …/functions/${fn.FunctionName}/invocations (unsigned) to answer 200 with statusCode 200 and header x-lamina-e2e: ${marker}`, `HTTP ${inv.status}${fnError ? ` (${fnError})` : ''}: ${inv.text}`);
  }
  return {
    statusSequence: status.seq,
    saveToSyncedMs: syncMs,
    function: fn.FunctionName,
    listFunctions: functions.map((f) => f.FunctionName),
    codeSha256: fn.CodeSha256,
    invokePayloadHeader: inv.body.headers['x-lamina-e2e'],
  };
}
