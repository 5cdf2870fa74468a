// What this run starts, and how it is stopped: every process inherits LAMINA_E2E_RUN=<id>, and
// cleanup() kills only those (plus the code-server groups, `lamina serve` and its ports), on any exit.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const RUN_ID = crypto.randomBytes(6).toString('hex');
const MARK = 'LAMINA_E2E_RUN';

const groups = new Set(); // process group ids of the code-servers (started detached)
const emulatorPorts = new Set();
const workspaces = new Set(); // each may hold .lamina/state/emulator.json

export const trackGroup = (pgid) => groups.add(pgid);
export const trackEmulatorPort = (port) => emulatorPorts.add(port);
export const trackWorkspace = (ws) => workspaces.add(ws);

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The caller's environment without AWS_* (dummy credentials instead), VS Code IPC handles (which
 * would make code-server hand the folder to another instance) or LAMINA_*, plus the run's mark. */
export function baseEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('AWS_') || k.startsWith('VSCODE_') || k === 'TERM_PROGRAM' || k.startsWith('LAMINA_')) continue;
    env[k] = v;
  }
  return { ...env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', [MARK]: RUN_ID, ...extra };
}

export function signalGroup(pgid, sig) {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

function kill(pids, sig) {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}

const numericDirs = () => fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));

/** pids of the processes listening on 127.0.0.1:port (from /proc/net/tcp and their fds). */
function listenersOn(port) {
  const inodes = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length >= 10 && parseInt(cols[1].split(':')[1], 16) === port && cols[3] === '0A') inodes.add(cols[9]);
    }
  }
  const pids = [];
  if (inodes.size === 0) return pids;
  for (const pid of numericDirs()) {
    let fds = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const owns = fds.some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        return !!m && inodes.has(m[1]);
      } catch {
        return false;
      }
    });
    if (owns) pids.push(Number(pid));
  }
  return pids;
}

/** pids of the processes that inherited the mark: code-server, its extension host, the Lamina
 * server, `lamina serve` (its own session), execution environments, Chromium. */
function markedProcesses() {
  const needle = Buffer.from(`\0${MARK}=${RUN_ID}\0`);
  const pids = [];
  for (const pid of numericDirs()) {
    if (Number(pid) === process.pid) continue;
    try {
      const env = Buffer.concat([Buffer.from([0]), fs.readFileSync(`/proc/${pid}/environ`)]);
      if (env.includes(needle)) pids.push(Number(pid));
    } catch {
      /* gone, or not ours */
    }
  }
  return pids;
}

let cleanedUp = false;
/** Synchronous, so that it also runs from process.on('exit'). */
export function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const pgid of groups) signalGroup(pgid, 'SIGTERM');
  // `lamina serve` runs in its own session: kill its group by the pid it recorded.
  for (const ws of workspaces) {
    try {
      const rec = JSON.parse(fs.readFileSync(path.join(ws, '.lamina', 'state', 'emulator.json'), 'utf8'));
      if (rec.pid) signalGroup(rec.pid, 'SIGTERM');
    } catch {
      /* none started */
    }
  }
  const byPort = () => [...emulatorPorts].flatMap((p) => listenersOn(p));
  const first = [...byPort(), ...markedProcesses()];
  kill(first, 'SIGTERM');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400); // a synchronous sleep
  for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
  kill([...first, ...markedProcesses(), ...byPort()], 'SIGKILL');
}

export function cleanupOnExit() {
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`\n${sig}: stopping`);
      cleanup();
      process.exit(130);
    });
  }
}
