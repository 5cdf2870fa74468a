// Step 1 (lenses over the handler) and step 2 (▶ Run fills the Results view).
import { clickLens, goToLine, lensesAbove, newestRun, quickPick, resultRows, uiState, waitQuickInput } from '../lib/workbench.mjs';
import { until } from '../lib/util.mjs';

/** Quick Open (Ctrl+P) of <dir>/<fileName> (dir '' for the workspace's top); resolves to the row picked. */
export async function openFile(page, fileName, dir = 'src') {
  // Keyboard focus into the workbench, by a click on the empty editor area only (a click in an
  // open editor could hit a lens).
  if ((await page.locator('.part.editor .monaco-editor').count()) === 0) {
    await page.locator('.part.editor').click({ position: { x: 200, y: 200 } }).catch(() => undefined);
  }
  await page.keyboard.press('Control+p');
  await waitQuickInput(page, 'the Quick Open input', () => true);
  // Not tests/test_items_api.py: the row whose label starts with the file name.
  const picked = await quickPick(page, fileName, fileName, (r) => r.startsWith(fileName));
  await page.locator(`.monaco-editor[data-uri$="/${dir ? `${dir}/` : ''}${fileName}"]`).waitFor({ state: 'visible', timeout: 15000 });
  return picked;
}

export async function lenses(t) {
  const { page, handlerName, defLine } = t;
  const picked = await openFile(page, handlerName);
  await goToLine(page, defLine);
  const want = ['▶ Run', '⚙ Debug', '⇪ Sync', '{ } Event: get-item'];
  const lens = await until(`code lenses ${want.join(', ')} (lamina.defaultEvent) right above "def handler(" (line ${defLine})`, async () => {
    const r = await lensesAbove(page, 'def handler(');
    return { ok: want.every((w) => r.titles.includes(w)), titles: r.titles, seen: { handlerLineVisible: r.lineVisible, lenses: r.all } };
  }, { timeout: 45000, interval: 250 });
  return { file: handlerName, quickOpenRow: picked, line: defLine, lenses: lens.titles };
}

/** Waits for a new newest Results row `✓ <fn>` whose aria-label speaks the outcome and the name. */
export async function waitForRun(page, fn, before, { payload200 = false, timeout = 45000 } = {}) {
  const want = `in the panel container "Lamina", a new top-level Results row "✓ ${fn}" (description with the duration in ms, aria-label with "succeeded" and ${fn}), expanded${payload200 ? ', with a child "Payload" whose description contains 200' : ''}`;
  return until(want, async () => {
    const state = await resultRows(page);
    const run = newestRun(state);
    const payload = run?.children.find((c) => c.label === 'Payload' || /^Payload\b/.test(c.ariaLabel));
    const ok =
      /^Lamina$/i.test(state.container) &&
      !!run &&
      run.count > before &&
      run.row.label === `✓ ${fn}` &&
      /\d+(\.\d+)? ?ms/.test(run.row.description) &&
      /\bsucceeded\b/.test(run.row.ariaLabel) &&
      run.row.ariaLabel.includes(fn) &&
      run.row.expanded === 'true' &&
      (!payload200 || (!!payload && /\b200\b/.test(payload.description)));
    return { ok, run, payload, container: state.container, seen: { ...state, ui: ok ? undefined : await uiState(page) } };
  }, { timeout, interval: 200 });
}

export async function run(t) {
  const { page } = t;
  const before = newestRun(await resultRows(page))?.count ?? 0;
  await clickLens(page, '▶ Run');
  const got = await waitForRun(page, 'ItemsFunction', before, { payload200: true });
  return {
    container: got.container,
    row: `${got.run.row.label} — ${got.run.row.description}`,
    rowAriaLabel: got.run.row.ariaLabel,
    payload: got.payload.description,
    children: got.run.children.map((c) => c.label),
  };
}
