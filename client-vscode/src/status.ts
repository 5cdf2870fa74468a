// Sync status bar item, fed by `lamina/syncStatus`.
import * as vscode from 'vscode';
import { SyncModel } from './syncStatus';
import type { SyncStatus } from './types';

export class SyncStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lamina.sync', vscode.StatusBarAlignment.Left, 50);
  readonly model: SyncModel;

  constructor() {
    const target = vscode.workspace.getConfiguration('lamina').get<string>('sync.target', 'emulator');
    this.model = new SyncModel(target);
    this.item.name = 'Lamina Sync';
    this.item.command = 'lamina.vscode.syncMenu';
    this.render();
    this.item.show();
  }

  update(s: SyncStatus): void {
    this.model.update(s);
    this.render();
  }

  setTarget(target: string): void {
    this.model.target = target;
    this.render();
  }

  private render(): void {
    const v = this.model.view();
    this.item.text = v.text;
    this.item.tooltip = v.tooltip;
    this.item.backgroundColor = v.error
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : v.warning
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
