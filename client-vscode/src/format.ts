// Pure text formatting of invocation results (no vscode import: unit tested with node --test).
import type { InvocationResult } from './types';

function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) {
    return '0 ms';
  }
  return `${Number(ms).toFixed(2)} ms`;
}

/** The Lambda REPORT line for a result, as CloudWatch prints it. */
export function reportLine(r: InvocationResult): string {
  let line =
    `REPORT RequestId: ${r.id}\tDuration: ${fmtMs(r.durationMs)}\t` +
    `Billed Duration: ${Math.round(r.billedDurationMs)} ms\t` +
    `Memory Size: ${r.memorySizeMb} MB\tMax Memory Used: ${r.maxMemoryUsedMb} MB`;
  if (r.initDurationMs !== null && r.initDurationMs !== undefined) {
    line += `\tInit Duration: ${fmtMs(r.initDurationMs)}`;
  }
  return line;
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

/** Full text block for the "Lamina: Results" output channel. */
export function formatResult(r: InvocationResult, when: Date = new Date()): string {
  const out: string[] = [];
  out.push(`=== ${when.toISOString()} ${r.function}${r.event ? ` · ${r.event}` : ''} · ${r.ok ? 'OK' : 'ERROR'} ===`);
  if (r.ok) {
    out.push('Payload:');
    out.push(formatPayload(r.payload));
  } else if (r.error) {
    out.push(`Error: ${r.error.errorType}: ${r.error.errorMessage}`);
    if (r.error.location) {
      out.push(`  at ${r.error.location.uri}:${r.error.location.line}`);
    }
    for (const frame of r.error.stackTrace ?? []) {
      out.push(frame.replace(/\n$/, ''));
    }
  }
  if (r.logs) {
    out.push('Logs:');
    out.push(r.logs.replace(/\n$/, ''));
  }
  out.push(reportLine(r));
  return out.join('\n');
}
