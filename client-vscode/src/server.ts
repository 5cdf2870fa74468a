// Starts and restarts the Lamina language server (`<python> -m lamina lsp`).
import { execFile } from 'child_process';
import * as os from 'os';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { chooseInterpreter, expandPath, InterpreterChoice, serverArgs } from './interpreter';

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(p: string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  };
}

async function pythonFromExtension(folder?: vscode.WorkspaceFolder): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!ext) {
    return undefined;
  }
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const envs = api?.environments;
    if (!envs) {
      return undefined;
    }
    const active = envs.getActiveEnvironmentPath(folder?.uri);
    const resolved = await envs.resolveEnvironment(active.path);
    return resolved?.executable.uri?.fsPath;
  } catch {
    return undefined;
  }
}

export async function findInterpreter(): Promise<InterpreterChoice> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const setting = vscode.workspace.getConfiguration('lamina', folder?.uri).get<string>('python', '');
  const expanded = setting ? expandPath(setting, folder?.uri.fsPath, os.homedir()) : '';
  return chooseInterpreter({
    setting: expanded,
    pythonExtension: expanded ? undefined : await pythonFromExtension(folder),
  });
}

/** Resolves to an error message when `import lamina` fails in that interpreter. */
function checkLamina(python: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(python, ['-c', 'import lamina'], { timeout: 20000 }, (err, _out, stderr) => {
      resolve(err ? (stderr || err.message).trim().split('\n').pop() : undefined);
    });
  });
}

export class LaminaServer implements vscode.Disposable {
  client: LanguageClient | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly onStartedHandlers: ((c: LanguageClient) => void)[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Called with every new client, before it starts (register notification handlers here). */
  onClient(handler: (c: LanguageClient) => void): void {
    this.onStartedHandlers.push(handler);
  }

  async start(): Promise<void> {
    const choice = await findInterpreter();
    this.log.info(`Python interpreter: ${choice.command} (from ${choice.source})`);
    const problem = await checkLamina(choice.command);
    if (problem) {
      this.log.error(`Lamina is not importable with ${choice.command}: ${problem}`);
      const pick = await vscode.window.showErrorMessage(
        `Lamina is not installed in ${choice.command} (${problem}).`,
        'Open Settings',
        'Show Output',
      );
      if (pick === 'Open Settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'lamina.python');
      } else if (pick === 'Show Output') {
        this.log.show();
      }
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    const serverOptions: ServerOptions = {
      command: choice.command,
      args: serverArgs(),
      options: { cwd: folder?.uri.fsPath, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'python' },
        { scheme: 'file', pattern: '**/template.{yaml,yml}' },
        { scheme: 'file', pattern: '**/pyproject.toml' },
      ],
      outputChannel: this.log,
      traceOutputChannel: this.log,
      synchronize: { configurationSection: 'lamina' },
      initializationOptions: vscode.workspace.getConfiguration('lamina', folder?.uri),
    };
    const client = new LanguageClient('lamina', 'Lamina', serverOptions, clientOptions);
    for (const h of this.onStartedHandlers) {
      h(client);
    }
    this.client = client;
    const t0 = Date.now();
    await client.start();
    this.log.info(`Lamina server initialized in ${Date.now() - t0} ms`);
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) {
      await c.stop().catch((e: unknown) => this.log.warn(`stopping server: ${String(e)}`));
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Debounced restart, e.g. after the interpreter changed. */
  scheduleRestart(delayMs = 750): void {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.restart().catch((e: unknown) => this.log.error(`restart failed: ${String(e)}`));
    }, delayMs);
  }

  dispose(): void {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
    }
    void this.stop();
  }
}
