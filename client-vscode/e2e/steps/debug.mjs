// Step 3: F9 on the handler's first line, ⚙ Debug stops there (toolbar, highlighted line, Variables,
// DAP `stopped`), F5 finishes with a new Results row.
import fs from 'node:fs';
import path from 'node:path';
import { clickLens, debugToolbarVisible, focusEditor, goToLine, lineMarks, newestRun, resultRows, uiState } from '../lib/workbench.mjs';
import { Failure, findFiles, until } from '../lib/util.mjs';

export function readDap(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/** Why F9 may set nothing: VS Code allows breakpoints only in languages some installed extension
 * lists in contributes.breakpoints (there is no Python extension here). */
export function breakpointHint(extensionsDir) {
  const manifest = findFiles(extensionsDir, (p) => /lamina\.lamina-[^/]*\/package\.json$/.test(p))[0];
  const languages = manifest ? (JSON.parse(fs.readFileSync(manifest, 'utf8')).contributes?.breakpoints ?? []).map((b) => b.language) : [];
  return languages.includes('python') ? '' : ` (the installed extension's package.json has no contributes.breakpoints entry for python: ${JSON.stringify(languages)})`;
}

/** Waits for the Variables view to show `name` under Locals (expanding Locals when collapsed). */
export async function waitVariable(page, name) {
  return until(`the Variables view showing \`${name}\``, async () => {
    const rows = await page.$$eval('.part.sidebar .monaco-list-row, .part.auxiliarybar .monaco-list-row, .part.panel .monaco-list-row', (els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const row = rows.find((x) => new RegExp(`^${name}\\b`).test(x));
    if (!row) {
      const locals = page.locator('.monaco-list-row[aria-label="Scope Locals"][aria-expanded="false"]');
      if ((await locals.count()) > 0) await locals.first().click();
    }
    return { ok: !!row, row, seen: rows.filter((x) => /Scope|value/.test(x)).slice(0, 12) };
  }, { timeout: 20000, interval: 250 });
}

export async function debug(t) {
  const { page, ctx, handlerName, bodyLine, bodyText } = t;
  const dapFile = ctx.dapTrace;
  const before = newestRun(await resultRows(page))?.count ?? 0;
  await focusEditor(page, handlerName);
  await goToLine(page, bodyLine);
  await page.keyboard.press('F9');
  await until(`a breakpoint glyph on line ${bodyLine} after F9${breakpointHint(ctx.extensionsDir)}`, async () => {
    const r = await lineMarks(page, bodyText);
    return { ok: r.breakpoint, seen: r };
  }, { timeout: 10000 });
  const dapBefore = readDap(dapFile).length;
  await clickLens(page, '⚙ Debug');
  await until(`the debugger stopped on line ${bodyLine}: debug toolbar visible, that line highlighted as the top stack frame`, async () => {
    const r = { toolbar: await debugToolbarVisible(page), ...(await lineMarks(page, bodyText)) };
    return { ok: r.toolbar && r.topStackFrame, seen: { ...r, ui: await uiState(page) } };
  }, { timeout: 45000, interval: 200 });
  const vars = await waitVariable(page, 'event');
  await page.screenshot({ path: path.join(ctx.out, 'step3-debug-stopped.png') });
  const dap = await until('a DAP `stopped` event with reason "breakpoint" in dap.jsonl', async () => {
    const msgs = readDap(dapFile);
    const ev = msgs.slice(dapBefore).find((m) => m.dir === 'fromAdapter' && m.msg?.type === 'event' && m.msg.event === 'stopped');
    // The first stackTrace answer with frames: VS Code asks for the top frame, then for the rest.
    const frame = msgs
      .slice(dapBefore)
      .find((m) => m.dir === 'fromAdapter' && m.msg?.type === 'response' && m.msg.command === 'stackTrace' && m.msg.body?.stackFrames?.length)?.msg.body.stackFrames[0];
    return {
      ok: ev?.msg.body?.reason === 'breakpoint' && !!frame,
      reason: ev?.msg.body?.reason,
      topFrame: frame ? { name: frame.name, line: frame.line, path: frame.source?.path } : null,
      seen: { messages: msgs.length, stopped: ev?.msg ?? null, file: dapFile },
    };
  }, { timeout: 10000 });
  if (dap.topFrame && dap.topFrame.line !== bodyLine) throw new Failure(`the top stack frame on line ${bodyLine}`, dap.topFrame);
  await page.keyboard.press('F5');
  const after = await until('the debug session to end (toolbar gone) and a new "✓ ItemsFunction" Results row', async () => {
    const toolbar = await debugToolbarVisible(page);
    const state = await resultRows(page);
    const run = newestRun(state);
    const ok = !toolbar && !!run && run.count > before && run.row.label === '✓ ItemsFunction';
    return { ok, run, seen: { toolbar, rows: state.rows.slice(0, 12), ui: ok ? undefined : await uiState(page) } };
  }, { timeout: 45000, interval: 200 });
  const dapEnd = readDap(dapFile);
  return {
    stoppedOnLine: bodyLine,
    dapStopped: dap.reason,
    topFrame: dap.topFrame,
    variable: vars.row.slice(0, 80),
    newRow: `${after.run.row.label} — ${after.run.row.description}`,
    dapMessages: dapEnd.length,
    dapEnd: dapEnd.filter((m) => ['exit', 'error', 'stop'].includes(m.dir) || ['terminated', 'exited'].includes(m.msg?.event)).map((m) => (m.dir === 'fromAdapter' ? m.msg.event : `${m.dir}${typeof m.msg === 'string' ? `: ${m.msg}` : ''}`)),
  };
}
