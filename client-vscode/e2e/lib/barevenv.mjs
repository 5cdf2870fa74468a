// An interpreter without Lamina, cheaply: a fresh venv whose deps.pth adds the Lamina venv's
// site-packages to sys.path. Lamina's dependencies import (and pip sees their dist-info), but
// Lamina's editable install does not: its __editable__*.pth is processed only in a site dir.
// pip would want to replace the editable `lamina` it sees there, but never uninstalls outside
// its own environment ("Not uninstalling lamina at …, outside environment …").
// Also a wheel of Lamina, built from a copy of the sources (the repo gets no build/ or egg-info).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { clearTimeout } from 'node:timers';
import { REPO } from './codeserver.mjs';
import { baseEnv } from './processes.mjs';
import { Failure } from './util.mjs';

/** Runs a command (with the run's mark, so cleanup finds it); resolves {code, out, err, ms}. */
export function exec(cmd, args, { timeout = 120000, cwd } = {}) {
  return new Promise((resolve) => {
    const t = Date.now();
    const child = spawn(cmd, args, { cwd, env: baseEnv({ PIP_DISABLE_PIP_VERSION_CHECK: '1' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', (e) => (err += String(e)));
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? sig, out: out.trim(), err: err.trim(), ms: Date.now() - t });
    });
  });
}

const PURELIB = ['-c', "import sysconfig; print(sysconfig.get_paths()['purelib'])"];
const WHERE_LAMINA = ['-c', 'import lamina, sys; print(lamina.__file__); print(sys.prefix)'];

/** `import lamina` in `python`: {ok, file, prefix, error}. */
export async function importLamina(python) {
  const r = await exec(python, WHERE_LAMINA, { timeout: 30000 });
  const [file, prefix] = r.out.split('\n');
  return r.code === 0 ? { ok: true, file, prefix } : { ok: false, error: r.err.split('\n').pop() };
}

async function must(what, cmd, args, opts) {
  const r = await exec(cmd, args, opts);
  if (r.code !== 0) throw new Failure(`${what} (${cmd} ${args.join(' ')}) to succeed`, `exit ${r.code}: ${(r.err || r.out).slice(-1500)}`);
  return r;
}

async function makeVenv(python, dir) {
  const r = await must('creating the bare venv', python, ['-m', 'venv', dir]);
  const bare = path.join(dir, 'bin', 'python');
  const site = (await must('the bare venv site-packages', bare, PURELIB)).out;
  const deps = (await must('the Lamina venv site-packages', python, PURELIB)).out;
  fs.writeFileSync(path.join(site, 'deps.pth'), `${deps}\n`);
  return { python: bare, site, deps, venvMs: r.ms };
}

async function buildWheel(python, tmp) {
  const src = path.join(tmp, 'lamina-src');
  for (const f of ['pyproject.toml', 'README.md', 'server']) {
    fs.cpSync(path.join(REPO, f), path.join(src, f), { recursive: true, filter: (p) => !/(__pycache__|\.egg-info)$/.test(p) });
  }
  const out = path.join(tmp, 'wheel');
  const r = await must('building a wheel of Lamina', python, ['-m', 'pip', 'wheel', '--no-deps', '-q', '-w', out, src], { timeout: 180000 });
  const wheel = fs.readdirSync(out).find((f) => /^lamina-.*\.whl$/.test(f));
  if (!wheel) throw new Failure(`a lamina-*.whl in ${out}`, fs.readdirSync(out));
  return { wheel: path.join(out, wheel), wheelMs: r.ms };
}

/** The bare venv and the wheel (built side by side), checked: deps import, Lamina does not. */
export async function prepareBareVenv(ctx) {
  const dir = path.join(ctx.tmp, 'bare-venv');
  const [venv, wheel] = await Promise.all([makeVenv(ctx.python, dir), buildWheel(ctx.python, path.join(ctx.tmp, 'bare-build'))]);
  await must('the dependencies to import in the bare venv', venv.python, ['-c', 'import boto3, aiohttp, pygls, lsprotocol, debugpy, watchdog, ruamel.yaml']);
  const before = await importLamina(venv.python);
  if (before.ok) throw new Failure(`\`import lamina\` to fail in ${venv.python} before the install`, before);
  return { ...venv, ...wheel, importBefore: before.error };
}
