// Pure text formatting of invocation results (no vscode import: unit tested with node --test).
import type { InvocationResult } from './types';

function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) {
    return '0 ms';
  }
  return `${Number(ms).toFixed(2)} ms`;
}

/** One line for a notification toast. */
export function summary(r: InvocationResult): string {
  const what = r.event ? `${r.function} (${r.event})` : r.function;
  const temp = r.cold ? 'cold' : 'warm';
  if (r.ok) {
    return `✔ ${what}: ${fmtMs(r.durationMs)}, ${temp}`;
  }
  const err = r.error ? `${r.error.errorType}: ${r.error.errorMessage}` : 'failed';
  return `✘ ${what}: ${err}`;
}

export function formatPayload(payload: unknown): string {
  if (payload === undefined) {
    return '(no payload)';
  }
  if (typeof payload === 'string') {
    // The server may pass the raw response body: pretty-print it if it is JSON.
    try {
      return JSON.stringify(JSON.parse(payload), null, 2);
    } catch {
      return payload;
    }
  }
  return JSON.stringify(payload, null, 2);
}
