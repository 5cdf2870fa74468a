// Small helpers shared by the e2e modules: logging, polling, text.
import fs from 'node:fs';
import path from 'node:path';

const T0 = Date.now();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const elapsed = () => (Date.now() - T0) / 1000;
export const secs = () => elapsed().toFixed(1).padStart(5);
export const say = (msg) => console.log(`[${secs()} s] ${msg}`);
export const norm = (s) => String(s ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
export const short = (v, n = 600) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s && s.length > n ? `${s.slice(0, n)}…` : s;
};

/** A check that did not hold: what was expected, and what was seen last. */
export class Failure extends Error {
  constructor(expected, seen) {
    super(`expected ${expected}; saw ${short(seen, 1500)}`);
    this.expected = expected;
    this.seen = seen;
  }
}

export function errorText(e) {
  // Playwright's errors carry a long call log: keep the first lines.
  return e instanceof Failure ? e.message : String(e?.stack ?? e).split('\n').slice(0, 8).join('\n');
}

/** Polls `probe` until it returns {ok: true, ...}; fails with what it saw last on timeout, or at
 * once when it returns {stop: true} (waiting longer cannot help). */
export async function until(expected, probe, { timeout = 30000, interval = 100 } = {}) {
  const start = Date.now();
  let last;
  for (;;) {
    try {
      last = await probe();
    } catch (e) {
      last = { error: String(e?.message ?? e).split('\n')[0] };
    }
    if (last && last.ok) return last;
    if (last?.stop) throw new Failure(expected, last.seen);
    if (Date.now() - start > timeout) throw new Failure(`${expected} within ${timeout / 1000} s`, last?.seen ?? last);
    await sleep(interval);
  }
}

export function findFiles(dir, test, out = []) {
  let entries = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findFiles(p, test, out);
    else if (test(p)) out.push(p);
  }
  return out;
}

/** 1-based number of the first line at or after `from` (0-based) matching `pattern`, else -1. */
export function lineOf(text, pattern, from = 0) {
  const lines = text.split('\n');
  for (let i = from; i < lines.length; i++) if (pattern.test(lines[i])) return i + 1;
  return -1;
}

export function median(xs) {
  const v = [...xs].sort((a, b) => a - b);
  if (!v.length) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** fetch with a 60 s timeout: {ok, status, headers, text, body (parsed JSON, else the text)}. */
export async function call(url, init = {}) {
  const r = await fetch(url, { signal: AbortSignal.timeout(60000), ...init });
  const text = await r.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { ok: r.ok, status: r.status, headers: r.headers, text, body };
}
