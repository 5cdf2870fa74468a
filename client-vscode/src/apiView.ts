// The API view: Start/Stop API (lamina.startApi / lamina.stopApi on the server, which runs
// `lamina api`'s gateway in its process) and the running API's routes with their URLs.
import * as vscode from 'vscode';
import { apiTree, isRunning, parseApiDescription, type ApiNode } from './apiModel';
import { openInBrowser } from './openUrl';

export const API_VIEW = 'lamina.api';
type Execute = (command: string, args: unknown) => Promise<unknown>;

class ApiTreeProvider implements vscode.TreeDataProvider<ApiNode> {
  nodes: ApiNode[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  set(nodes: ApiNode[]): void {
    this.nodes = nodes;
    this.changed.fire();
  }

  getChildren(node?: ApiNode): ApiNode[] {
    return node ? (node.children ?? []) : this.nodes;
  }

  getTreeItem(node: ApiNode): vscode.TreeItem {
    const state = node.children ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.description = node.description;
    item.tooltip = node.tooltip;
    if (node.url) {
      item.contextValue = 'laminaRoute';
      item.iconPath = new vscode.ThemeIcon('globe');
      item.command = { command: 'lamina.vscode.openApiRoute', title: 'Open in Browser', arguments: [node] };
    }
    return item;
  }
}

/** Shows what the server says runs (lamina/apiStatus, also sent when a route lens starts the API). */
export type ApiStatusListener = (status: unknown) => void;

export function registerApiView(context: vscode.ExtensionContext, execute: Execute, log: vscode.LogOutputChannel): ApiStatusListener {
  const provider = new ApiTreeProvider();
  const view = vscode.window.createTreeView(API_VIEW, { treeDataProvider: provider });
  const setRunning = async (url: string | undefined): Promise<void> => {
    view.message = url ? `Running at ${url}` : undefined;
    await vscode.commands.executeCommand('setContext', 'lamina.apiRunning', url !== undefined);
  };
  const guard =
    (fn: (node?: ApiNode) => Promise<void>) =>
    async (node?: ApiNode): Promise<void> => {
      try {
        await fn(node);
      } catch (e) {
        const msg = (e as { message?: string }).message ?? String(e);
        log.error(msg);
        void vscode.window.showErrorMessage(`Lamina: ${msg}`);
      }
    };
  const reg = (id: string, fn: (node?: ApiNode) => Promise<void>): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, guard(fn)));
  };

  const show = async (status: unknown): Promise<void> => {
    if (isRunning(status)) {
      const api = parseApiDescription(status);
      provider.set(apiTree(api));
      await setRunning(api.url);
    } else {
      provider.set([]);
      await setRunning(undefined);
    }
  };

  reg('lamina.vscode.startApi', async () => {
    const port = vscode.workspace.getConfiguration('lamina').get<number>('api.port', 3000);
    await show({ running: true, ...((await execute('lamina.startApi', { port })) as object) });
  });
  reg('lamina.vscode.stopApi', async () => {
    await execute('lamina.stopApi', {});
    await show({ running: false });
  });
  reg('lamina.vscode.openApiRoute', async (node) => {
    if (node?.url) {
      await openInBrowser(node.url);
    }
  });
  reg('lamina.vscode.copyApiRouteUrl', async (node) => {
    if (node?.url) {
      await vscode.env.clipboard.writeText(node.url);
    }
  });
  context.subscriptions.push(view);
  void setRunning(undefined);
  return (status) => void guard(() => show(status))();
}
