// Pure model of the sync status bar: the latest state per function, rendered per target.
import type { SyncStatus } from './types';

const BUSY = new Set(['queued', 'packaging', 'uploading', 'waiting']);

export interface StatusView {
  text: string;
  tooltip: string;
  warning: boolean;
  error: boolean;
}

export class SyncModel {
  private readonly byFunction = new Map<string, SyncStatus>();
  target: string;

  constructor(target = 'emulator') {
    this.target = target;
  }

  update(s: SyncStatus): void {
    this.byFunction.set(s.function, s);
    if (s.target) {
      this.target = s.target;
    }
  }

  view(): StatusView {
    const all = [...this.byFunction.values()].filter((s) => s.target === this.target);
    const busy = all.filter((s) => BUSY.has(s.state));
    const failed = all.filter((s) => s.state === 'failed');
    let icon = '$(cloud-upload)';
    let state = 'idle';
    if (busy.length > 0) {
      icon = '$(sync~spin)';
      state = busy.length === 1 ? `${busy[0].function} ${busy[0].state}` : `${busy.length} syncing`;
    } else if (failed.length > 0) {
      icon = '$(error)';
      state = failed.length === 1 ? `${failed[0].function} failed` : `${failed.length} failed`;
    } else if (all.some((s) => s.state === 'done')) {
      icon = '$(check)';
      state = 'synced';
    }
    const lines = [`Lamina sync target: ${this.target}`];
    for (const s of all) {
      const extra = [s.version ? `v${s.version}` : '', s.message ?? ''].filter(Boolean).join(' · ');
      lines.push(`${s.function}: ${s.state}${extra ? ` (${extra})` : ''}`);
    }
    lines.push('', 'Click for sync actions');
    return {
      text: `${icon} Lamina: ${this.target} · ${state}`,
      tooltip: lines.join('\n'),
      warning: this.target === 'aws',
      error: failed.length > 0,
    };
  }
}
