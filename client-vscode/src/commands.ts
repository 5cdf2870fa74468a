// Extension-only commands (`lamina.vscode.*`); they call the server's own `lamina.*` commands.
import * as vscode from 'vscode';
import type { DebugSessions } from './debug';
import type { ResultsView } from './results';
import type { SyncStatusBar } from './status';
import type { AttachConfig, InvocationResult } from './types';

export type Execute = (command: string, args: unknown) => Promise<unknown>;

interface FunctionRow {
  logicalId: string;
  functionName?: string;
  handler?: string;
  codeUri?: string;
}

const TEMPLATES: [string, string][] = [
  ['plain', 'a function invoked directly'],
  ['http-api', 'an API Gateway HTTP API route (payload format 2.0)'],
  ['sqs', 'an SQS queue consumer reporting partial batch failures'],
  ['s3', 'an S3 ObjectCreated notification handler'],
  ['eventbridge', 'an EventBridge rule target'],
  ['scheduled', 'a scheduled (rate/cron) function'],
];

async function pickFunction(execute: Execute, arg?: unknown): Promise<string | undefined> {
  if (typeof arg === 'string' && arg) {
    return arg;
  }
  if (arg && typeof arg === 'object' && typeof (arg as { function?: unknown }).function === 'string') {
    return (arg as { function: string }).function;
  }
  const rows = ((await execute('lamina.listFunctions', {})) ?? []) as FunctionRow[];
  if (rows.length === 0) {
    void vscode.window.showWarningMessage('Lamina: no functions found in this workspace.');
    return undefined;
  }
  if (rows.length === 1) {
    return rows[0].logicalId;
  }
  const pick = await vscode.window.showQuickPick(
    rows.map((r) => ({ label: r.logicalId, description: r.handler, detail: r.codeUri })),
    { placeHolder: 'Function' },
  );
  return pick?.label;
}

export function registerCommands(
  context: vscode.ExtensionContext,
  execute: Execute,
  deps: { results: ResultsView; status: SyncStatusBar; sessions: DebugSessions; log: vscode.LogOutputChannel; restart: () => Promise<void> },
): void {
  const guard =
    (fn: (...a: unknown[]) => Promise<unknown>) =>
    async (...a: unknown[]): Promise<void> => {
      try {
        await fn(...a);
      } catch (e) {
        const msg = (e as { message?: string }).message ?? String(e);
        deps.log.error(msg);
        void vscode.window.showErrorMessage(`Lamina: ${msg}`);
      }
    };
  const reg = (id: string, fn: (...a: unknown[]) => Promise<unknown>): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, guard(fn)));
  };
  const setTarget = async (target: string): Promise<void> => {
    await execute('lamina.setTarget', { target });
    deps.status.setTarget(target);
  };

  reg('lamina.vscode.run', async (arg) => {
    const fn = await pickFunction(execute, arg);
    if (fn) {
      // The server also sends lamina/invocationResult; show the returned copy only if it does not.
      const r = (await execute('lamina.run', { function: fn })) as InvocationResult | undefined;
      if (r && !deps.results.history.some((h) => h.id === r.id)) {
        deps.results.show(r);
      }
    }
  });
  reg('lamina.vscode.debug', async (arg) => {
    const fn = await pickFunction(execute, arg);
    if (fn) {
      const attach = (await execute('lamina.debug', { function: fn })) as AttachConfig | undefined;
      if (attach) {
        await deps.sessions.onDebugReady(attach);
      }
    }
  });
  reg('lamina.vscode.sync', async (arg) => {
    const fn = await pickFunction(execute, arg);
    if (fn) {
      await execute('lamina.sync', { function: fn });
    }
  });
  reg('lamina.vscode.syncAll', () => execute('lamina.syncAll', {}));
  reg('lamina.vscode.toggleAutoSync', () => execute('lamina.toggleAutoSync', {}));
  reg('lamina.vscode.startEmulator', () => execute('lamina.startEmulator', {}));
  reg('lamina.vscode.stopEmulator', () => execute('lamina.stopEmulator', {}));
  reg('lamina.vscode.selectEvent', async (arg) => {
    const fn = await pickFunction(execute, arg);
    if (!fn) {
      return;
    }
    const events = ((await execute('lamina.listEvents', { function: fn })) ?? []) as { name: string; path?: string; selected?: boolean }[];
    const pick = await vscode.window.showQuickPick(
      events.map((e) => ({ label: e.name, description: e.selected ? '(selected)' : '', detail: e.path })),
      { placeHolder: `Event for ${fn}` },
    );
    if (pick) {
      await execute('lamina.selectEvent', { function: fn, event: pick.label });
    }
  });
  reg('lamina.vscode.createHandler', async () => {
    const kind = await vscode.window.showQuickPick(
      TEMPLATES.map(([label, detail]) => ({ label, detail })),
      { placeHolder: 'Handler template' },
    );
    if (!kind) {
      return;
    }
    const name = await vscode.window.showInputBox({ prompt: 'Function name', placeHolder: 'MyFunction' });
    if (name) {
      await execute('lamina.createHandler', { template: kind.label, name });
    }
  });
  reg('lamina.vscode.selectTarget', async () => {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'emulator', detail: 'The local Lambda emulator (lamina serve)' },
        { label: 'aws', detail: 'Real AWS Lambda, with your credentials' },
      ],
      { placeHolder: `Sync target (now: ${deps.status.model.target})` },
    );
    if (pick) {
      await setTarget(pick.label);
    }
  });
  reg('lamina.vscode.syncMenu', async () => {
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(cloud-upload) Sync all functions', id: 'lamina.vscode.syncAll' },
        { label: '$(sync) Toggle sync on save', id: 'lamina.vscode.toggleAutoSync' },
        { label: '$(arrow-swap) Switch target', id: 'lamina.vscode.selectTarget' },
      ],
      { placeHolder: 'Lamina sync' },
    );
    if (pick) {
      await vscode.commands.executeCommand(pick.id);
    }
  });
  reg('lamina.vscode.showResult', async () => deps.results.showLast());
  reg('lamina.vscode.showOutput', async () => deps.log.show());
  reg('lamina.vscode.restartServer', () => deps.restart());
}
