// Which function a command acts on: the lens's or launch's argument, else one the user picks
// from the server's list. Shared by the commands and the debugger.
import * as vscode from 'vscode';

export type Execute = (command: string, args: unknown) => Promise<unknown>;

interface FunctionRow {
  logicalId: string;
  functionName?: string;
  handler?: string;
  codeUri?: string;
}

/** The function named by a lens/launch argument, else one chosen from the server's list. */
export async function pickFunction(execute: Execute, arg?: unknown): Promise<string | undefined> {
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
