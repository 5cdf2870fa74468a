// Step 8: a second, fresh code-server whose lamina.python has no Lamina. The extension says so in
// an error notification; "Install Lamina" pip-installs lamina.installSource (a wheel built from
// this repo) into that interpreter, and the server starts: the lenses appear over the handler.
import fs from 'node:fs';
import path from 'node:path';
import { copyLogs, laminaLog, makeWorkspace, REPO, startCodeServer } from '../lib/codeserver.mjs';
import { importLamina, prepareBareVenv } from '../lib/barevenv.mjs';
import { Failure, norm, say, until } from '../lib/util.mjs';
import { goToLine, lensesAbove, openWorkbench, uiState } from '../lib/workbench.mjs';
import { initLines } from '../measure.mjs';
import { openFile } from './editor.mjs';

const LABEL = 'install-lamina';
const LENSES = ['▶ Run', '⚙ Debug', '⇪ Sync', '{ } Event: get-item'];
const BUTTONS = ['Install Lamina', 'Choose Interpreter', 'Show Output'];

/** The notifications shown (toasts, or the center when open): message and button labels. */
function notifications(page) {
  return page.evaluate(() => {
    const t = (el) => (el?.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
    return [...document.querySelectorAll('.notification-list-item')]
      .filter((n) => n.getClientRects().length > 0)
      .map((n) => ({ message: t(n.querySelector('.notification-list-item-message')), buttons: [...n.querySelectorAll('.notification-list-item-buttons-container .monaco-button')].map(t) }));
  });
}

/** `inst`: {ctx, handlerName, defLine}; the step sets inst.prep, inst.cs and inst.page. */
export async function installLamina(inst) {
  const { ctx, handlerName, defLine } = inst;
  const prep = await prepareBareVenv(ctx);
  inst.prep = prep;
  say(`bare venv ${prep.python} (venv ${prep.venvMs} ms; import lamina: ${prep.importBefore}), wheel ${path.basename(prep.wheel)} (${prep.wheelMs} ms)`);
  const ws = makeWorkspace(ctx, LABEL);
  const settings = { 'lamina.python': prep.python, 'lamina.installSource': prep.wheel, 'lamina.emulator.autoStart': false };
  inst.cs = await startCodeServer(ctx, LABEL, { workspace: ws, settings, trace: true });
  const tOpen = Date.now();
  inst.page = await openWorkbench(ctx, inst.cs);
  const { page, cs } = inst;

  const want = `Lamina is not installed in ${prep.python} (`;
  const offer = await until(`an error notification "${want}…)." with the buttons ${BUTTONS.join(', ')}`, async () => {
    const list = await notifications(page);
    const n = list.find((x) => x.message.startsWith(want));
    return { ok: !!n && BUTTONS.every((b) => n.buttons.includes(b)), n, seen: { notifications: list, ui: await uiState(page) } };
  }, { timeout: 60000, interval: 200 });
  const offerMs = Date.now() - tOpen;
  // The handler open: no lenses yet, as no server runs.
  await openFile(page, handlerName);
  await goToLine(page, defLine);
  const lensesBefore = (await lensesAbove(page, 'def handler(')).all;
  await page.screenshot({ path: path.join(ctx.out, 'step8-install-offer.png') });

  const button = page.locator('.notification-list-item').filter({ hasText: want }).locator('.notification-list-item-buttons-container .monaco-button').filter({ hasText: /^\s*Install Lamina\s*$/ });
  await button.first().click({ timeout: 10000 });
  const tClick = Date.now();
  const progress = new Set(); // the pip progress notification may show for a second only
  const done = await until(`after "Install Lamina": the server started (Lamina.log "Lamina installed in" and "Lamina server initialized") and the lenses ${LENSES.join(', ')} over "def handler("`, async () => {
    for (const n of await notifications(page)) if (/pip install/.test(n.message)) progress.add(n.message);
    const log = laminaLog(cs.userDataDir);
    const failed = /pip install failed: .*/.exec(log)?.[0];
    if (failed) return { stop: true, seen: failed };
    const installed = log.includes(`Lamina installed in ${prep.python}`);
    const init = initLines(cs.userDataDir).lines[0];
    const lens = await lensesAbove(page, 'def handler(');
    const ok = installed && !!init && LENSES.every((w) => lens.titles.includes(w));
    return { ok, init, lens, seen: { installed, init: init ?? null, lenses: lens.all, ui: ok ? undefined : await uiState(page) } };
  }, { timeout: 120000, interval: 200 });
  const lensesMs = Date.now() - tClick;

  const after = await importLamina(prep.python);
  const site = fs.realpathSync(prep.site);
  if (!after.ok || !fs.realpathSync(after.file).startsWith(site + path.sep)) {
    throw new Failure(`\`import lamina\` to work in ${prep.python}, from its own site-packages ${site}`, after);
  }
  // The venv that lent its site-packages still has its editable Lamina (pip left it alone).
  const main = await importLamina(ctx.python);
  if (!main.ok || !main.file.startsWith(path.join(REPO, 'server') + path.sep)) throw new Failure(`${ctx.python} still importing Lamina from ${REPO}/server`, main);
  const log = laminaLog(cs.userDataDir);
  return {
    interpreter: prep.python,
    importBefore: prep.importBefore,
    installSource: prep.wheel,
    prepMs: { venv: prep.venvMs, wheel: prep.wheelMs },
    notification: offer.n.message,
    buttons: offer.n.buttons,
    openToNotificationMs: offerMs,
    lensesBefore,
    progressSeen: [...progress],
    installLogged: norm(/installing \S+: .*/.exec(log)?.[0]),
    clickToLensesMs: lensesMs,
    serverInit: done.init,
    lenses: done.lens.titles,
    importAfter: after.file,
  };
}

/** Not part of the step (so that a failure's screenshot shows this page): close, stop, copy logs. */
export async function closeInstall(ctx, inst) {
  if (inst.page && !inst.page.isClosed()) await inst.page.close().catch(() => undefined);
  if (inst.cs) {
    inst.cs.stop(); // SIGTERM to its process group, SIGKILL 1.5 s later
    if (!inst.cs.logsCopied) copyLogs(ctx, inst.cs);
  }
}
