// Extension activation → `initialize` answered, for `python -m lamina lsp` and for a bare pygls
// server started the same way (LAMINA_SERVER_ARGS replaces `-m lamina lsp`). Each sample is a fresh
// code-server: reloading the page would leave the old extension host and its server running.
import fs from 'node:fs';
import path from 'node:path';
import { copyLogs, makeWorkspace, startCodeServer } from './lib/codeserver.mjs';
import { findFiles, median, until } from './lib/util.mjs';
import { openWorkbench, uiState } from './lib/workbench.mjs';

const BARE_PYGLS = [
  '-c',
  [
    'import os, pathlib',
    "m = os.environ.get('LAMINA_E2E_BARE_MARKER')",
    'm and pathlib.Path(m).touch()',
    'from pygls.lsp.server import LanguageServer',
    "LanguageServer('bare-pygls', '0').start_io()",
  ].join('\n'),
];

/** Every "Lamina server initialized in N ms (M ms since activation)" line in the Lamina output
 * channel's logs (one per extension host: logs/<date>/exthost<N>/lamina.lamina/Lamina.log). */
export function initLines(userDataDir) {
  const files = findFiles(path.join(userDataDir, 'logs'), (p) => /Lamina\.log$/.test(p) || /output_logging_.*Lamina/.test(p));
  const lines = [];
  for (const f of files) {
    const re = /^(\S+ \S+) .*Lamina server initialized in (\d+) ms(?: \((\d+) ms since activation\))?/gm;
    for (const m of fs.readFileSync(f, 'utf8').matchAll(re)) {
      lines.push({ at: m[1], file: path.relative(userDataDir, f), clientStartMs: Number(m[2]), sinceActivationMs: m[3] !== undefined ? Number(m[3]) : null });
    }
  }
  lines.sort((a, b) => a.at.localeCompare(b.at));
  return { lines, files: files.map((f) => path.relative(userDataDir, f)) };
}

/** One fresh code-server: open the workbench, wait for the init line, stop. */
async function sample(ctx, kind, i, last) {
  const cs = await startCodeServer(ctx, `${kind.label}-${i}`, { workspace: kind.ws, env: kind.env });
  const page = await openWorkbench(ctx, cs);
  const got = await until(`"Lamina server initialized in N ms" in the Lamina output channel's log (${kind.label}, sample ${i})`, async () => {
    const r = initLines(cs.userDataDir);
    return { ok: r.lines.length > 0, line: r.lines[0], seen: { logFiles: r.files, ui: await uiState(page) } };
  }, { timeout: 60000, interval: 100 });
  if (last) await page.screenshot({ path: path.join(ctx.out, `${kind.label}.png`) });
  await page.close();
  cs.stop();
  if (i === 1) copyLogs(ctx, cs);
  else cs.logsCopied = true;
  return got.line;
}

function summarize(samples) {
  const since = samples.map((x) => x.sinceActivationMs).filter((x) => x !== null);
  return {
    sinceActivationMs: median(since),
    clientStartMs: median(samples.map((x) => x.clientStartMs)),
    samplesSinceActivationMs: since,
    samplesClientStartMs: samples.map((x) => x.clientStartMs),
  };
}

/** `count` samples of each kind, interleaved (and alternating which goes first) so that machine
 * load hits both alike. Returns {lamina, barePygls}. */
export async function measure(ctx, count) {
  const bareMarker = path.join(ctx.tmp, 'bare-pygls.started');
  const kinds = [
    { key: 'lamina', label: 'lamina-measure', env: {}, samples: [] },
    { key: 'barePygls', label: 'bare-pygls', env: { LAMINA_SERVER_ARGS: JSON.stringify(BARE_PYGLS), LAMINA_E2E_BARE_MARKER: bareMarker }, samples: [] },
  ];
  for (const kind of kinds) kind.ws = makeWorkspace(ctx, kind.label);
  for (let i = 1; i <= count; i++) {
    for (const kind of i % 2 ? kinds : [...kinds].reverse()) {
      ctx.live.where = `measurement (${kind.label}, sample ${i} of ${count})`;
      kind.samples.push(await sample(ctx, kind, i, i === count));
    }
  }
  const result = Object.fromEntries(kinds.map((k) => [k.key, summarize(k.samples)]));
  result.barePygls.bareServerRan = fs.existsSync(bareMarker);
  return result;
}
