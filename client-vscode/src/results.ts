// "Lamina: Results": an output channel fed by `lamina/invocationResult`, plus a summary toast.
import * as vscode from 'vscode';
import { formatResult, summary } from './format';
import type { InvocationResult } from './types';

export class ResultsView implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Lamina: Results');
  readonly history: InvocationResult[] = [];

  show(r: InvocationResult): void {
    this.history.push(r);
    if (this.history.length > 100) {
      this.history.shift();
    }
    this.channel.appendLine(formatResult(r));
    this.channel.appendLine('');
    this.channel.show(true);
    const loc = r.error?.location;
    if (r.ok) {
      void vscode.window.showInformationMessage(summary(r));
    } else if (loc) {
      void vscode.window.showErrorMessage(summary(r), 'Go to Error').then((pick) => {
        if (pick) {
          const uri = vscode.Uri.parse(loc.uri);
          const line = Math.max(0, loc.line - 1);
          void vscode.window.showTextDocument(uri, { selection: new vscode.Range(line, 0, line, 0) });
        }
      });
    } else {
      void vscode.window.showErrorMessage(summary(r));
    }
  }

  showLast(): void {
    if (this.history.length === 0) {
      void vscode.window.showInformationMessage('Lamina: no invocation yet.');
    }
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
