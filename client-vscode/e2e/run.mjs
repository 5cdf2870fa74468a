#!/usr/bin/env node
// Real-workbench end-to-end test of the Lamina VS Code extension: code-server 4.100.3 serves VS Code,
// headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core clicks through it.
//
//   node client-vscode/e2e/run.mjs <lamina.vsix> <python> <outdir> [--no-bare | --measure-only] [--samples N] [--keep] [--timeout S]
//
// <python> has Lamina installed (the repo's .venv/bin/python). <outdir> receives the screenshots,
// dap.jsonl, the logs and summary.json (see README.md). Exit code 0: every step passed (with
// --measure-only: every sample was measured). Install what this needs with ./install.sh first.
// Steps: steps.mjs; activation timing: measure.mjs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CODE_SERVER, E2E_DIR, copyLogs, installExtension } from './lib/codeserver.mjs';
import { cleanup, cleanupOnExit, RUN_ID } from './lib/processes.mjs';
import { elapsed, errorText, say, short, sleep } from './lib/util.mjs';
import { CHROMIUM, startBrowser, uiState } from './lib/workbench.mjs';
import { measure } from './measure.mjs';
import { runSteps, STEP_COUNT } from './steps.mjs';

function usage(msg) {
  if (msg) console.error(`error: ${msg}`);
  console.error('usage: node run.mjs <lamina.vsix> <python> <outdir> [--no-bare | --measure-only] [--samples N] [--keep] [--timeout SECONDS]');
  process.exit(2);
}

const argv = process.argv.slice(2);
const opts = { bare: true, measureOnly: false, keep: false, timeoutS: 360, samples: 3 };
const positional = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--no-bare') opts.bare = false;
  else if (a === '--measure-only') opts.measureOnly = true;
  else if (a === '--keep') opts.keep = true;
  else if (a === '--timeout') opts.timeoutS = Number(argv[++i]);
  else if (a === '--samples') opts.samples = Math.max(1, Number(argv[++i]));
  else if (a === '-h' || a === '--help') usage();
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else positional.push(a);
}
if (positional.length !== 3) usage('three arguments are needed');
if (opts.measureOnly && !opts.bare) usage('--measure-only and --no-bare exclude each other');
if (!(opts.timeoutS > 0) || !(opts.samples >= 1)) usage('--timeout and --samples take a positive number');
const install = path.join(E2E_DIR, 'install.sh');
const ctx = {
  vsix: path.resolve(positional[0]),
  python: path.resolve(positional[1]),
  out: path.resolve(positional[2]),
  tmp: null,
  extensionsDir: null,
  dapTrace: null,
  browser: null,
  summary: { runId: RUN_ID, mode: opts.measureOnly ? 'measure-only' : 'steps', steps: [], measurements: {}, notes: [] },
  live: { page: null, cs: null, where: 'setup' }, // what a failure or the watchdog reports on
};
if (!fs.existsSync(ctx.vsix)) usage(`no such .vsix: ${ctx.vsix}`);
if (!fs.existsSync(ctx.python)) usage(`no such interpreter: ${ctx.python}`);
if (!fs.existsSync(CODE_SERVER)) usage(`${CODE_SERVER} is missing: run ${install} first`);
if (!fs.existsSync(path.join(E2E_DIR, 'node_modules', 'playwright-core'))) usage(`playwright-core is missing: run ${install} first`);
if (!fs.existsSync(CHROMIUM)) usage(`${CHROMIUM} is missing: run ${install} first`);

cleanupOnExit();
fs.mkdirSync(ctx.out, { recursive: true });
for (const f of fs.readdirSync(ctx.out)) {
  // Only what an earlier run wrote.
  if (/^(step\d.*|failure|after-.*|bare-.*|lamina-.*)\.png$|^dap\.jsonl$|^summary\.json$|\.log$|^logs-/.test(f)) {
    fs.rmSync(path.join(ctx.out, f), { recursive: true, force: true });
  }
}
ctx.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lamina-e2e-'));
ctx.extensionsDir = path.join(ctx.tmp, 'extensions');
ctx.dapTrace = path.join(ctx.out, 'dap.jsonl');
const summary = ctx.summary;
const writeSummary = () => fs.writeFileSync(path.join(ctx.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');

const watchdog = setTimeout(async () => {
  const where = ctx.live.where;
  console.error(`\nFAILED: the whole run took longer than ${opts.timeoutS} s (in ${where})`);
  summary.failure = { step: where, message: `the whole run took longer than ${opts.timeoutS} s` };
  summary.ok = false;
  const { page, cs } = ctx.live;
  await page?.screenshot({ path: path.join(ctx.out, 'failure.png'), timeout: 5000 }).catch(() => undefined);
  if (cs && !cs.logsCopied) copyLogs(ctx, cs);
  writeSummary();
  await Promise.race([ctx.browser?.close().catch(() => undefined), sleep(5000)]);
  console.log(`temp dir kept: ${ctx.tmp}`);
  console.log(`output: ${ctx.out}`);
  process.exit(1); // the 'exit' handler kills what the run started
}, opts.timeoutS * 1000);
watchdog.unref();

let exitCode = 0;
try {
  say(`run ${RUN_ID}: vsix ${ctx.vsix}, python ${ctx.python}, out ${ctx.out}, tmp ${ctx.tmp}`);
  ctx.browser = await startBrowser(ctx);
  await installExtension(ctx);
  if (!opts.measureOnly) await runSteps(ctx);
  if (opts.bare) {
    Object.assign(summary.measurements, await measure(ctx, opts.samples));
    if (!summary.measurements.barePygls.bareServerRan) summary.notes.push('LAMINA_SERVER_ARGS was not honoured: the "bare" figure is Lamina again');
  }
} catch (e) {
  exitCode = 1;
  const text = errorText(e);
  console.error(`\nFAILED in ${ctx.live.where}: ${text}`);
  summary.failure = { step: ctx.live.where, message: String(e?.message ?? e), expected: e?.expected, seen: e?.seen };
  const { page } = ctx.live;
  if (page && !page.isClosed()) {
    await page.screenshot({ path: path.join(ctx.out, 'failure.png'), timeout: 10000 }).catch((err) => console.error(`(no failure screenshot: ${err.message})`));
    summary.failure.ui = await uiState(page);
    console.error(`UI at failure: ${short(summary.failure.ui, 2000)}`);
  }
} finally {
  const { cs } = ctx.live;
  if (cs && !cs.logsCopied) copyLogs(ctx, cs);
  await ctx.browser?.close().catch(() => undefined);
  cleanup();
}

// --- report -------------------------------------------------------------------------------------------
const m = summary.measurements;
const fmt = (r) =>
  r && r.clientStartMs !== undefined
    ? `${r.sinceActivationMs ?? '?'} ms since activation (client.start ${r.clientStartMs} ms)${r.samplesSinceActivationMs ? `, median of [${r.samplesSinceActivationMs.join(', ')}]` : ''}`
    : 'not found';
console.log('');
if (!opts.measureOnly) {
  console.log('Results:');
  for (const s of summary.steps) {
    console.log(`  step ${s.step} ${s.ok ? 'ok    ' : 'FAILED'} ${s.title} (${s.ms} ms)`);
    if (!s.ok) console.log(`         ${short(s.message, 700)}`);
  }
  if (summary.steps.some((s) => !s.ok) || summary.steps.length < STEP_COUNT) exitCode = 1;
}
if (summary.failure) console.log(`  FAILED in ${summary.failure.step}: ${short(summary.failure.message, 700)}`);
summary.ok = exitCode === 0;
console.log('Activation → initialize answered (from "Lamina server initialized in …" in the Lamina output log):');
if (m.mainRun !== undefined) console.log(`  main run (first start):  ${fmt(m.mainRun)}`);
if (m.lamina) console.log(`  lamina lsp (fresh code-server): ${fmt(m.lamina)}`);
if (m.barePygls) console.log(`  bare pygls (fresh code-server): ${fmt(m.barePygls)}${m.barePygls.bareServerRan ? '' : '  [LAMINA_SERVER_ARGS not honoured]'}`);
if (m.lamina?.sinceActivationMs && m.barePygls?.sinceActivationMs) {
  console.log(`  ratio lamina / bare pygls: ${(m.lamina.sinceActivationMs / m.barePygls.sinceActivationMs).toFixed(2)}`);
}
for (const n of summary.notes) console.log(`note: ${n}`);
if (summary.observations) console.log(`at the end: ${short(summary.observations, 1500)}`);
summary.totalSeconds = Number(elapsed().toFixed(1));
writeSummary();
console.log(`total ${summary.totalSeconds} s`);
if (exitCode === 0 && !opts.keep) fs.rmSync(ctx.tmp, { recursive: true, force: true });
else console.log(`temp dir kept: ${ctx.tmp}`);
console.log(`output: ${ctx.out}`);
process.exit(exitCode);
