// Step 6: a launch.json `lamina` launch configuration started with F5. The extension resolves it
// through the server's lamina.debug into an attach configuration; the debugger stops on the
// breakpoint, F5 continues, and the run lands in the Results view.
import fs from 'node:fs';
import path from 'node:path';
import { Failure, until } from '../lib/util.mjs';
import { debugToolbarVisible, focusEditor, goToLine, lineMarks, newestRun, resultRows, uiState } from '../lib/workbench.mjs';
import { breakpointHint, readDap, waitVariable } from './debug.mjs';
import { openFile } from './editor.mjs';

export const LAUNCH_NAME = 'Lamina: debug items';
const LAUNCH = {
  version: '0.2.0',
  configurations: [{ type: 'lamina', request: 'launch', name: LAUNCH_NAME, function: 'ItemsFunction', event: 'get-item' }],
};

/** Writes <ws>/.vscode/launch.json (before code-server starts, so the workbench reads it at once). */
export function writeLaunchJson(ws) {
  const file = path.join(ws, '.vscode', 'launch.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(LAUNCH, null, 2) + '\n');
  return file;
}

/** The debug sessions that started after DAP line `from`: {id, config} from the tracker's `start`. */
function sessionsSince(msgs, from) {
  return msgs.slice(from).filter((m) => m.dir === 'start').map((m) => ({ id: m.session, config: m.msg }));
}

export async function launchDebug(t) {
  const { page, ctx, handlerName, bodyLine, bodyText } = t;
  const dapFile = ctx.dapTrace;
  // Self-contained: the handler in the active editor, with a breakpoint on its first line.
  await openFile(page, handlerName);
  await focusEditor(page, handlerName);
  await goToLine(page, bodyLine);
  let toggled = false;
  if (!(await lineMarks(page, bodyText)).breakpoint) {
    await page.keyboard.press('F9');
    toggled = true;
  }
  await until(`a breakpoint glyph on line ${bodyLine}${toggled ? ` after F9${breakpointHint(ctx.extensionsDir)}` : ''}`, async () => {
    const r = await lineMarks(page, bodyText);
    return { ok: r.breakpoint, seen: r };
  }, { timeout: 10000 });

  const newestBefore = newestRun(await resultRows(page))?.row ?? null;
  const dapBefore = readDap(dapFile).length;
  const tStart = Date.now();
  await page.keyboard.press('F5'); // workbench.action.debug.start: the selected (only) launch.json entry
  await until(`F5 on launch.json's "${LAUNCH_NAME}": the debugger stopped on line ${bodyLine} (debug toolbar visible, that line highlighted as the top stack frame)`, async () => {
    const r = { toolbar: await debugToolbarVisible(page), ...(await lineMarks(page, bodyText)) };
    const ok = r.toolbar && r.topStackFrame;
    const msgs = ok ? [] : readDap(dapFile);
    return { ok, seen: { ...r, newSessions: sessionsSince(msgs, dapBefore), ui: ok ? undefined : await uiState(page) } };
  }, { timeout: 45000, interval: 200 });
  const stoppedMs = Date.now() - tStart;
  const vars = await waitVariable(page, 'event');
  await page.screenshot({ path: path.join(ctx.out, 'step6-launch-stopped.png') });

  // dap.jsonl: the session VS Code started for this configuration, its `stopped`, its top frame.
  const dap = await until(`in dap.jsonl, a new session named "${LAUNCH_NAME}" (resolved to request "attach") with a \`stopped\` event, reason "breakpoint"`, async () => {
    const msgs = readDap(dapFile);
    const sessions = sessionsSince(msgs, dapBefore);
    const mine = sessions.find((s) => s.config?.name === LAUNCH_NAME);
    const ofMine = mine ? msgs.slice(dapBefore).filter((m) => m.session === mine.id && m.dir === 'fromAdapter') : [];
    const stopped = ofMine.find((m) => m.msg?.type === 'event' && m.msg.event === 'stopped');
    const frame = ofMine.find((m) => m.msg?.type === 'response' && m.msg.command === 'stackTrace' && m.msg.body?.stackFrames?.length)?.msg.body.stackFrames[0];
    return {
      ok: !!mine && mine.config.request === 'attach' && stopped?.msg.body?.reason === 'breakpoint' && !!frame,
      mine,
      sessions,
      reason: stopped?.msg.body?.reason,
      topFrame: frame ? { name: frame.name, line: frame.line, path: frame.source?.path } : null,
      seen: { sessions, stopped: stopped?.msg ?? null },
    };
  }, { timeout: 10000 });
  if (dap.topFrame.line !== bodyLine) throw new Failure(`the top stack frame on line ${bodyLine}`, dap.topFrame);
  // One F5, one session: lamina/debugReady for the same environment must not attach a second time.
  if (dap.sessions.length !== 1) throw new Failure('exactly one new debug session for one F5', dap.sessions);

  await page.keyboard.press('F5'); // continue
  const after = await until('the debug session to end (toolbar gone) and a new newest Results row "✓ ItemsFunction" for get-item', async () => {
    const toolbar = await debugToolbarVisible(page);
    const state = await resultRows(page);
    const run = newestRun(state);
    // New: the newest row changed (its description ends with the run's clock time).
    const isNew = !!run && (!newestBefore || run.row.description !== newestBefore.description || run.row.ariaLabel !== newestBefore.ariaLabel);
    const ok = !toolbar && isNew && run.row.label === '✓ ItemsFunction' && /\bget-item\b/.test(run.row.description) && /\bsucceeded\b/.test(run.row.ariaLabel);
    return { ok, run, seen: { toolbar, before: newestBefore, rows: state.rows.slice(0, 12), ui: ok ? undefined : await uiState(page) } };
  }, { timeout: 45000, interval: 200 });
  const config = dap.mine.config;
  return {
    launchJson: LAUNCH.configurations[0],
    breakpointToggled: toggled,
    f5ToStoppedMs: stoppedMs,
    resolvedConfig: { type: config.type, request: config.request, name: config.name, connect: config.connect, lamina: config.lamina },
    dapStopped: dap.reason,
    topFrame: dap.topFrame,
    variable: vars.row.slice(0, 80),
    newRow: `${after.run.row.label} — ${after.run.row.description}`,
  };
}
