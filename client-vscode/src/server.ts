// Starts and restarts the Lamina language server (`<python> -m lamina lsp`).
import * as os from 'os';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { checkLamina, offerInstall } from './install';
import { chooseInterpreter, expandPath, InterpreterChoice, serverArgsFrom } from './interpreter';
import { openInBrowser } from './openUrl';

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

export class LaminaServer implements vscode.Disposable {
  client: LanguageClient | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly activatedAt = Date.now();
  private readonly onStartedHandlers: ((c: LanguageClient) => void)[] = [];

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly extensionPath: string,
  ) {}

  /** Called with every new client, before it starts (register notification handlers here). */
  onClient(handler: (c: LanguageClient) => void): void {
    this.onStartedHandlers.push(handler);
  }

  private starting: Promise<void> = Promise.resolve();

  /** Starts the server; `ready()` waits for this. */
  start(): Promise<void> {
    this.starting = this.startOnce();
    return this.starting;
  }

  /** The running client, once a start in progress has finished (it may wait on Install Lamina). */
  async ready(): Promise<LanguageClient | undefined> {
    await this.starting.catch(() => undefined);
    return this.client?.isRunning() ? this.client : undefined;
  }

  private async startOnce(): Promise<void> {
    const choice = await findInterpreter();
    this.log.info(`Python interpreter: ${choice.command} (from ${choice.source})`);
    const problem = await checkLamina(choice.command);
    if (problem) {
      this.log.error(`Lamina is not importable with ${choice.command}: ${problem}`);
      if (!(await offerInstall(choice.command, problem, this.extensionPath, this.log))) {
        return;
      }
      this.log.info(`Lamina installed in ${choice.command}`);
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    const serverOptions: ServerOptions = {
      command: choice.command,
      args: serverArgsFrom(process.env),
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
      middleware: {
        window: {
          // A route lens's lamina.openRoute asks for its URL in the browser: open it as the API
          // view does (in code-server, a plain openExternal would drop the route's path).
          showDocument: async (params, token, next) =>
            params.external && /^https?:/.test(params.uri) ? { success: await openInBrowser(params.uri) } : next(params, token),
        },
      },
    };
    const client = new LanguageClient('lamina', 'Lamina', serverOptions, clientOptions);
    // The Results view shows every run, so the server need not send a summary message too.
    client.registerFeature({
      fillClientCapabilities: (caps) => {
        const experimental = (caps.experimental ?? {}) as Record<string, unknown>;
        caps.experimental = { ...experimental, lamina: { invocationResults: true } };
      },
      initialize: () => undefined,
      getState: () => ({ kind: 'static' }),
      clear: () => undefined,
    });
    for (const h of this.onStartedHandlers) {
      h(client);
    }
    this.client = client;
    const t0 = Date.now();
    await client.start();
    // Activation to `initialize`'s answer, read by bench/vscode.py from the output channel's log.
    this.log.info(`Lamina server initialized in ${Date.now() - t0} ms (${Date.now() - this.activatedAt} ms since activation)`);
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
