// The "Lamina: Results" view: a tree of runs (newest first) fed by `lamina/invocationResult`.
// Payloads and logs open as read-only documents; stack frames jump to their file and line.
import * as vscode from 'vscode';
import { summary } from './format';
import { ResultHistory, type NodeTarget, type ResultNode } from './resultsModel';
import type { InvocationResult } from './types';

export const RESULTS_VIEW = 'lamina.results';
const SCHEME = 'lamina-result';
const OPEN_COMMAND = 'lamina.vscode.openResultNode';

class ResultsProvider implements vscode.TreeDataProvider<ResultNode> {
  private readonly changed = new vscode.EventEmitter<ResultNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly parents = new Map<string, ResultNode>();
  newestId: string | undefined;

  constructor(private readonly history: ResultHistory) {}

  refresh(): void {
    this.parents.clear();
    const index = (node: ResultNode): void => {
      for (const child of node.children ?? []) {
        this.parents.set(child.id, node);
        index(child);
      }
    };
    this.history.runs.forEach((run) => index(run.node));
    this.changed.fire(undefined);
  }

  getChildren(node?: ResultNode): ResultNode[] {
    return node ? (node.children ?? []) : this.history.runs.map((run) => run.node);
  }

  getParent(node: ResultNode): ResultNode | undefined {
    return this.parents.get(node.id);
  }

  getTreeItem(node: ResultNode): vscode.TreeItem {
    const collapsible = node.children?.length
      ? node.id === this.newestId || node.expanded
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, collapsible);
    // Ids are unique per run: VS Code remembers expansion by id, so a new run opens as asked.
    item.id = node.id;
    item.description = node.description;
    const spoken = node.description ? `${node.label}: ${node.description}` : node.label;
    item.tooltip = node.tooltip ? `${spoken}\n${node.tooltip}` : spoken;
    item.accessibilityInformation = { label: spoken.replace('✓', 'succeeded').replace('✗', 'failed') };
    if (node.icon) {
      item.iconPath = new vscode.ThemeIcon(node.icon);
    }
    if (node.target) {
      item.command = { command: OPEN_COMMAND, title: 'Open', arguments: [node.target] };
    }
    return item;
  }
}

export class ResultsView implements vscode.Disposable {
  readonly history = new ResultHistory();
  private readonly provider = new ResultsProvider(this.history);
  private readonly tree: vscode.TreeView<ResultNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.tree = vscode.window.createTreeView(RESULTS_VIEW, { treeDataProvider: this.provider, showCollapseAll: true });
    const history = this.history;
    this.disposables.push(
      this.tree,
      vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
        provideTextDocumentContent: (uri) => history.document(uri.path.replace(/^\//, '')) ?? '(this run left the history)\n',
      }),
      vscode.commands.registerCommand(OPEN_COMMAND, (target: NodeTarget) => open(target)),
    );
  }

  show(r: InvocationResult): void {
    const node = this.history.add(r);
    this.provider.newestId = node.id;
    this.provider.refresh();
    this.tree.message = undefined;
    // Bring the view forward without taking focus from the editor.
    void this.tree.reveal(node, { select: false, focus: false, expand: true }).then(undefined, () => undefined);
    if (r.ok) {
      vscode.window.setStatusBarMessage(summary(r), 8000);
      return;
    }
    const loc = r.error?.location;
    const actions = loc ? ['Go to Error'] : [];
    void vscode.window.showErrorMessage(summary(r), ...actions).then((pick) => {
      if (pick && loc) {
        void open({ kind: 'location', uri: loc.uri, line: loc.line });
      }
    });
  }

  has(requestId: string): boolean {
    return this.history.has(requestId);
  }

  async focus(): Promise<void> {
    await vscode.commands.executeCommand(`${RESULTS_VIEW}.focus`);
    if (this.history.runs.length === 0) {
      this.tree.message = 'No runs yet: click ▶ Run over a handler.';
    }
  }

  clear(): void {
    this.history.clear();
    this.provider.refresh();
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

async function open(target: NodeTarget): Promise<void> {
  if (target.kind === 'document') {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: SCHEME, path: `/${target.name}` }));
    const language = target.name.endsWith('.json') ? 'json' : 'log';
    await vscode.languages.setTextDocumentLanguage(doc, language);
    await vscode.window.showTextDocument(doc, { preview: true });
    return;
  }
  const line = Math.max(0, target.line - 1);
  await vscode.window.showTextDocument(vscode.Uri.parse(target.uri), {
    selection: new vscode.Range(line, 0, line, 0),
  });
}
