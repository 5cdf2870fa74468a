// code-server: a fresh workspace copy, the extension installed, a started server with its own
// user-data, extensions and XDG dirs, and its logs copied to the output folder.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseEnv, freePort, signalGroup, trackEmulatorPort, trackGroup, trackWorkspace } from './processes.mjs';
import { Failure, findFiles, say, until } from './util.mjs';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = path.resolve(E2E_DIR, '..', '..');
export const CODE_SERVER = path.join(E2E_DIR, 'node_modules', '.bin', 'code-server');

/** Copies samples/ into <tmp>/<name>/samples and returns the http-api project folder in it. */
export function makeWorkspace(ctx, name) {
  const root = path.join(ctx.tmp, name, 'samples');
  fs.cpSync(path.join(REPO, 'samples'), root, {
    recursive: true,
    filter: (src) => !/(^|\/)(__pycache__|\.lamina|\.pytest_cache)(\/|$)/.test(path.relative(REPO, src)),
  });
  const ws = path.join(root, 'http-api');
  trackWorkspace(ws);
  return ws;
}

function writeSettings(ctx, userDataDir, emulatorPort, trace, overrides) {
  const settings = {
    'lamina.python': ctx.python,
    'lamina.emulator.endpoint': `http://127.0.0.1:${emulatorPort}`,
    'lamina.emulator.autoStart': true,
    'lamina.sync.onSave': true,
    'lamina.sync.target': 'emulator',
    // As in tests/e2e/test_neovim.py: Run uses get-item (200), not the first event (create-item).
    'lamina.defaultEvent': 'get-item',
    // A quiet workbench: no welcome page, tips, telemetry, trust prompt, restored windows, updates.
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.editor.enablePreview': false,
    'workbench.layoutControl.enabled': false,
    'window.commandCenter': false,
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    'window.restoreWindows': 'none',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'remote.autoForwardPorts': false,
    'git.enabled': false,
    'git.autoRepositoryDetection': false,
    'files.autoSave': 'off',
    // Typing in the editor should produce exactly the typed text.
    'editor.autoClosingBrackets': 'never',
    'editor.autoClosingQuotes': 'never',
    'editor.autoSurround': 'never',
    'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
    'editor.suggestOnTriggerCharacters': false,
    'editor.acceptSuggestionOnEnter': 'off',
    'editor.parameterHints.enabled': false,
    'editor.hover.enabled': false,
    'editor.formatOnSave': false,
    'editor.formatOnType': false,
    'editor.minimap.enabled': false,
    'editor.lightbulb.enabled': 'off',
    'editor.stickyScroll.enabled': false,
    'editor.codeLens': true,
    // With `--log trace`: the LSP traffic in Lamina.log, so that a failed step can be explained.
    ...(trace ? { 'lamina.trace.server': 'verbose' } : {}),
    ...overrides,
  };
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
}

/** The dirs and environment of one code-server (`label` names them). */
async function prepare(ctx, label, extraEnv = {}) {
  const base = path.join(ctx.tmp, label);
  const userDataDir = path.join(base, 'user-data');
  const xdg = path.join(base, 'xdg');
  for (const d of ['config', 'data', 'cache', 'state']) fs.mkdirSync(path.join(xdg, d), { recursive: true });
  const port = await freePort();
  const config = path.join(base, 'config.yaml');
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const env = baseEnv({
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
    XDG_STATE_HOME: path.join(xdg, 'state'),
    ...extraEnv,
  });
  const args = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', ctx.extensionsDir];
  return { port, userDataDir, env, args };
}

/** Installs the .vsix into ctx.extensionsDir, once for the whole run. */
export async function installExtension(ctx) {
  const { env, args } = await prepare(ctx, 'install');
  const t = Date.now();
  const r = spawnSync(CODE_SERVER, [...args, '--install-extension', ctx.vsix, '--force'], { env, encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0 || !/successfully installed/i.test(r.stdout + r.stderr)) {
    throw new Failure(`code-server --install-extension ${ctx.vsix} to succeed`, `exit ${r.status}: ${r.stdout}${r.stderr}`);
  }
  say(`extension installed (${Date.now() - t} ms)`);
}

/** Starts code-server on `workspace` in its own session and waits for /healthz. `trace` logs the
 * LSP traffic (not when measuring: it costs time); `settings` overrides user settings. */
export async function startCodeServer(ctx, label, { workspace, env: extraEnv = {}, trace = false, settings = {} }) {
  const { port, userDataDir, env, args } = await prepare(ctx, label, extraEnv);
  const emulatorPort = await freePort();
  trackEmulatorPort(emulatorPort);
  writeSettings(ctx, userDataDir, emulatorPort, trace, settings);
  const logFile = path.join(ctx.out, `code-server-${label}.log`);
  const logFd = fs.openSync(logFile, 'w');
  const flags = ['--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened'];
  if (trace) flags.push('--log', 'trace');
  // detached: its own process group, killed as a whole (the extension host outlives a closed page).
  const child = spawn(CODE_SERVER, [...args, ...flags, workspace], { env, detached: true, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  trackGroup(child.pid);
  let exited = null;
  child.on('exit', (code, sig) => (exited = `exit ${code ?? sig}`));
  const url = `http://127.0.0.1:${port}`;
  await until(
    `code-server to answer ${url}/healthz`,
    async () => {
      if (exited) return { stop: true, seen: `code-server ${exited}: ${fs.readFileSync(logFile, 'utf8').slice(-1500)}` };
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      return { ok: r.ok, seen: `HTTP ${r.status}` };
    },
    { timeout: 30000, interval: 200 },
  );
  say(`${label}: code-server up on ${url} (pid ${child.pid})`);
  const cs = {
    label,
    url,
    emulatorPort,
    userDataDir,
    workspace,
    logsCopied: false,
    stop() {
      signalGroup(child.pid, 'SIGTERM');
      setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 1500).unref();
    },
  };
  ctx.live.cs = cs;
  return cs;
}

/** Copies the workbench logs (with the extension's Lamina.log) and the emulator's log to the output. */
export function copyLogs(ctx, cs) {
  cs.logsCopied = true;
  const dest = path.join(ctx.out, `logs-${cs.label}`);
  fs.rmSync(dest, { recursive: true, force: true });
  try {
    fs.cpSync(path.join(cs.userDataDir, 'logs'), dest, { recursive: true });
  } catch {
    /* no logs */
  }
  const emu = path.join(cs.workspace, '.lamina', 'state', 'logs', 'emulator.log');
  if (fs.existsSync(emu)) fs.copyFileSync(emu, path.join(ctx.out, `emulator-${cs.label}.log`));
}

/** The extension host's Lamina.log (the output channel), all of it. */
export function laminaLog(userDataDir) {
  return findFiles(path.join(userDataDir, 'logs'), (p) => /Lamina\.log$/.test(p))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
}
