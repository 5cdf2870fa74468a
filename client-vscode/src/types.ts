// Payloads of the server's notifications (see shared/DESIGN.md, "Interfaces").

export interface ErrorLocation {
  uri: string;
  line: number;
}

export interface InvocationError {
  errorType: string;
  errorMessage: string;
  stackTrace?: string[];
  location?: ErrorLocation;
}

export interface InvocationResult {
  id: string;
  function: string;
  event?: string | null;
  ok: boolean;
  payload?: unknown;
  error?: InvocationError | null;
  logs?: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number | null;
  cold?: boolean;
}

export interface AttachConfig {
  name?: string;
  type: string;
  request: string;
  connect: { host?: string; port: number };
  justMyCode?: boolean;
  redirectOutput?: boolean;
  rules?: unknown[];
  pathMappings?: { localRoot: string; remoteRoot: string }[];
  lamina?: { function?: string; sessionId?: string };
  [key: string]: unknown;
}

export type SyncState = 'idle' | 'queued' | 'packaging' | 'uploading' | 'waiting' | 'done' | 'failed';

export interface SyncStatus {
  function: string;
  target: string;
  state: SyncState;
  codeSha256?: string;
  version?: string;
  message?: string;
}
