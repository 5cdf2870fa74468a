// Pure model of the Results view: one node per run, with payload, error, logs and REPORT figures
// underneath. No vscode import, so node --test covers it.
import { formatPayload } from './format';
import type { InvocationResult } from './types';

/** What clicking a node does: open a read-only document, or jump to a file and line. */
export type NodeTarget = { kind: 'document'; name: string; text: string } | { kind: 'location'; uri: string; line: number };

export interface ResultNode {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: string;
  children?: ResultNode[];
  /** Shown open from the start (the error's frames, the REPORT figures). */
  expanded?: boolean;
  target?: NodeTarget;
}

const PREVIEW_CHARS = 80;

function ms(value: number | null | undefined): string {
  return `${Number(value ?? 0).toFixed(2)} ms`;
}

function clock(when: Date): string {
  return when.toTimeString().slice(0, 8);
}

/** A one-line preview of a JSON value, cut to fit a tree row. */
export function preview(value: unknown): string {
  let text: string;
  if (value === undefined) {
    text = '(no payload)';
  } else if (typeof value === 'string') {
    try {
      text = JSON.stringify(JSON.parse(value));
    } catch {
      text = value;
    }
  } else {
    text = JSON.stringify(value);
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

export interface StackFrame {
  file: string;
  line: number;
  name: string;
  code?: string;
}

/** Frames of a Python traceback as Lambda reports them (`  File "x.py", line 3, in handler\n    code`). */
export function parseStackTrace(stack: string[] | undefined): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const entry of stack ?? []) {
    const m = /File "(.+?)", line (\d+), in (.+)/.exec(entry);
    if (m) {
      const code = entry.split('\n')[1]?.trim();
      frames.push({ file: m[1], line: Number(m[2]), name: m[3].trim(), code: code || undefined });
    }
  }
  return frames;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function fileUri(path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    return path;
  }
  return 'file://' + encodeURI(path.replace(/\\/g, '/'));
}

function errorNode(r: InvocationResult, id: string): ResultNode | undefined {
  const err = r.error;
  if (!err) {
    return undefined;
  }
  const children: ResultNode[] = parseStackTrace(err.stackTrace).map((f, i) => ({
    id: `${id}/frame/${i}`,
    label: f.name,
    description: `${baseName(f.file)}:${f.line}`,
    tooltip: f.code ? `${f.file}:${f.line}\n${f.code}` : `${f.file}:${f.line}`,
    icon: 'debug-stackframe',
    target: { kind: 'location', uri: fileUri(f.file), line: f.line },
  }));
  return {
    id,
    label: err.errorType,
    description: err.errorMessage,
    tooltip: `${err.errorType}: ${err.errorMessage}`,
    icon: 'error',
    children,
    expanded: true,
    target: err.location ? { kind: 'location', uri: err.location.uri, line: err.location.line } : undefined,
  };
}

function reportNode(r: InvocationResult, id: string): ResultNode {
  const rows: [string, string][] = [
    ['Duration', ms(r.durationMs)],
    ['Billed Duration', `${Math.round(r.billedDurationMs)} ms`],
    ['Max Memory Used', `${r.maxMemoryUsedMb} MB of ${r.memorySizeMb} MB`],
  ];
  if (r.initDurationMs !== null && r.initDurationMs !== undefined) {
    rows.push(['Init Duration', ms(r.initDurationMs)]);
  }
  return {
    id,
    label: 'Report',
    description: rows.map(([k, v]) => `${k} ${v}`).join(' · '),
    icon: 'dashboard',
    expanded: true,
    children: rows.map(([k, v], i) => ({ id: `${id}/${i}`, label: k, description: v })),
  };
}

/** The tree of one run. `seq` keeps ids unique when the server reuses a request id. */
export function resultTree(r: InvocationResult, seq: number, when: Date): ResultNode {
  const id = `run/${seq}`;
  const children: ResultNode[] = [];
  if (r.ok) {
    children.push({
      id: `${id}/payload`,
      label: 'Payload',
      description: preview(r.payload),
      icon: 'json',
      target: { kind: 'document', name: `${r.function}-${seq}-payload.json`, text: formatPayload(r.payload) + '\n' },
    });
  }
  const err = errorNode(r, `${id}/error`);
  if (err) {
    children.push(err);
  }
  const logLines = (r.logs ?? '').split('\n').filter((l) => l !== '');
  children.push({
    id: `${id}/logs`,
    label: 'Logs',
    description: `${logLines.length} line${logLines.length === 1 ? '' : 's'}`,
    icon: 'output',
    target: { kind: 'document', name: `${r.function}-${seq}.log`, text: logLines.join('\n') + '\n' },
  });
  children.push(reportNode(r, `${id}/report`));
  const parts = [ms(r.durationMs)];
  if (r.event) {
    parts.push(r.event);
  }
  parts.push(r.cold ? 'cold' : 'warm', clock(when));
  return {
    id,
    label: `${r.ok ? '✓' : '✗'} ${r.function}`,
    description: parts.join(' · '),
    tooltip: `Request ${r.id}`,
    icon: r.ok ? 'pass' : 'error',
    children,
  };
}

/** Newest first, at most `limit` runs. */
export class ResultHistory {
  private seq = 0;
  readonly runs: { node: ResultNode; result: InvocationResult }[] = [];

  constructor(private readonly limit = 50) {}

  add(r: InvocationResult, when: Date = new Date()): ResultNode {
    this.seq += 1;
    const node = resultTree(r, this.seq, when);
    this.runs.unshift({ node, result: r });
    this.runs.splice(this.limit);
    return node;
  }

  has(requestId: string): boolean {
    return this.runs.some((run) => run.result.id === requestId);
  }

  clear(): void {
    this.runs.length = 0;
  }

  /** The document behind a node id, if it is still in the history. */
  document(name: string): string | undefined {
    const find = (nodes: ResultNode[]): string | undefined => {
      for (const n of nodes) {
        if (n.target?.kind === 'document' && n.target.name === name) {
          return n.target.text;
        }
        const inner = find(n.children ?? []);
        if (inner !== undefined) {
          return inner;
        }
      }
      return undefined;
    };
    return find(this.runs.map((run) => run.node));
  }
}
