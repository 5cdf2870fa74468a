// Lamina for VS Code: starts `python -m lamina lsp` and turns its notifications into UI.
import * as vscode from 'vscode';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import { registerApiView } from './apiView';
import { registerCommands } from './commands';
import { DebugSessions, registerDebugger } from './debug';
import { ResultsView } from './results';
import { LaminaServer } from './server';
import { SyncStatusBar } from './status';
import type { AttachConfig, InvocationResult, SyncStatus } from './types';

let server: LaminaServer | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Lamina', { log: true });
  const results = new ResultsView();
  const status = new SyncStatusBar();
  server = new LaminaServer(log, context.extensionPath);
  const srv = server;
  context.subscriptions.push(log, results, status, srv);

  const execute = async (command: string, args: unknown): Promise<unknown> => {
    const client = await srv.ready();
    if (!client) {
      throw new Error('the Lamina language server is not running');
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] });
  };
  const sessions = new DebugSessions(execute, log);
  registerDebugger(context, sessions);
  const apiStatus = registerApiView(context, execute, log);
  registerCommands(context, execute, { results, status, sessions, log, restart: () => srv.restart() });

  srv.onClient((client) => {
    client.onNotification('lamina/invocationResult', (r: InvocationResult) => results.show(r));
    client.onNotification('lamina/debugReady', (c: AttachConfig) => void sessions.onDebugReady(c));
    client.onNotification('lamina/syncStatus', (s: SyncStatus) => status.update(s));
    client.onNotification('lamina/apiStatus', apiStatus);
  });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('lamina.python')) {
        srv.scheduleRestart();
      }
      if (e.affectsConfiguration('lamina.sync.target')) {
        status.setTarget(vscode.workspace.getConfiguration('lamina').get<string>('sync.target', 'emulator'));
      }
    }),
  );
  const pyExt = vscode.extensions.getExtension<{ environments?: { onDidChangeActiveEnvironmentPath?: vscode.Event<unknown> } }>('ms-python.python');
  if (pyExt?.isActive) {
    const ev = pyExt.exports?.environments?.onDidChangeActiveEnvironmentPath;
    if (ev) {
      context.subscriptions.push(ev(() => srv.scheduleRestart()));
    }
  }

  // Not awaited: starting may wait on the user (Install Lamina), and activation must not.
  void srv.start().catch((e: unknown) => {
    log.error(`could not start the Lamina server: ${String(e)}`);
    void vscode.window.showErrorMessage(`Lamina: could not start the language server (${String(e)}).`, 'Show Output').then((p) => {
      if (p) {
        log.show();
      }
    });
  });
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
