// Offers to install Lamina into the chosen interpreter when `import lamina` fails there.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { installArgs } from './interpreter';

/** Resolves to an error message when `import lamina` fails in that interpreter. */
export function checkLamina(python: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(python, ['-c', 'import lamina'], { timeout: 20000 }, (err, _out, stderr) => {
      resolve(err ? (stderr || err.message).trim().split('\n').pop() : undefined);
    });
  });
}

function bundledWheels(extensionPath: string): string[] {
  const dir = path.join(extensionPath, 'wheels');
  try {
    return fs.readdirSync(dir).map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

function run(python: string, args: string[], log: vscode.LogOutputChannel): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = execFile(python, args, { timeout: 600000, maxBuffer: 16 * 1024 * 1024 }, (err, _out, stderr) => {
      resolve(err ? stderr.trim().split('\n').slice(-3).join(' ') || err.message : undefined);
    });
    child.stdout?.on('data', (chunk: Buffer) => log.info(chunk.toString().trimEnd()));
    child.stderr?.on('data', (chunk: Buffer) => log.warn(chunk.toString().trimEnd()));
  });
}

/**
 * Asks what to do about a missing Lamina. Resolves true when it was installed and the server can
 * start now.
 */
export async function offerInstall(
  python: string,
  problem: string,
  extensionPath: string,
  log: vscode.LogOutputChannel,
): Promise<boolean> {
  const setting = vscode.workspace.getConfiguration('lamina').get<string>('installSource', '');
  const args = installArgs(setting, bundledWheels(extensionPath));
  const source = args[args.length - 1];
  const pick = await vscode.window.showErrorMessage(
    `Lamina is not installed in ${python} (${problem}).`,
    'Install Lamina',
    'Choose Interpreter',
    'Show Output',
  );
  if (pick === 'Choose Interpreter') {
    void vscode.commands.executeCommand('workbench.action.openSettings', 'lamina.python');
    return false;
  }
  if (pick === 'Show Output') {
    log.show();
    return false;
  }
  if (pick !== 'Install Lamina') {
    return false;
  }
  log.info(`installing ${path.basename(source)}: ${python} ${args.join(' ')}`);
  const failure = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Lamina: pip install ${path.basename(source)}` },
    () => run(python, args, log),
  );
  if (failure) {
    log.error(`pip install failed: ${failure}`);
    const hint = /externally-managed/.test(failure) ? ' Choose a virtual environment in `lamina.python`.' : '';
    void vscode.window.showErrorMessage(`Lamina: pip install failed: ${failure}${hint}`, 'Show Output').then((p) => {
      if (p) {
        log.show();
      }
    });
    return false;
  }
  return (await checkLamina(python)) === undefined;
}
