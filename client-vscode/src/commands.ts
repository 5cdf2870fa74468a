// Extension-only commands (`lamina.vscode.*`); they call the server's own `lamina.*` commands.
import * as vscode from 'vscode';
import type { DebugSessions } from './debug';
import type { ResultsView } from './results';
import type { SyncStatusBar } from './status';
import type { AttachConfig, InvocationResult } from './types';
import { pickFunction, type Execute } from './pickFunction';

const TEMPLATES: [string, string][] = [
  ['plain', 'a function invoked directly'],
  ['http-api', 'an API Gateway HTTP API route (payload format 2.0)'],
  ['sqs', 'an SQS queue consumer reporting partial batch failures'],
  ['s3', 'an S3 ObjectCreated notification handler'],
  ['eventbridge', 'an EventBridge rule target'],
  ['scheduled', 'a scheduled (rate/cron) function'],
];

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
      if (r && !deps.results.has(r.id)) {
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
    if (!name) {
      return;
    }
    const dirtyBefore = new Set(vscode.workspace.textDocuments.filter((d) => d.isDirty).map((d) => d.uri.toString()));
    const created = (await execute('lamina.createHandler', { template: kind.label, name })) as { files?: string[] } | undefined;
    // The server's workspace edit leaves the files it wrote unsaved; save them (not the user's own
    // unsaved work) so that the project on disk, which sync and the template checks read, has the new function.
    const files = new Set((created?.files ?? []).map((f) => vscode.Uri.parse(f).toString()));
    const toSave = vscode.workspace.textDocuments.filter((d) => {
      const uri = d.uri.toString();
      return d.isDirty && files.has(uri) && !dirtyBefore.has(uri);
    });
    await Promise.all(toSave.map((d) => d.save()));
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
  reg('lamina.vscode.showResult', () => deps.results.focus());
  reg('lamina.vscode.clearResults', () => Promise.resolve(deps.results.clear()));
  reg('lamina.vscode.showOutput', () => Promise.resolve(deps.log.show()));
  reg('lamina.vscode.restartServer', () => deps.restart());
}
