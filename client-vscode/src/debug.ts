// The `lamina` debugger: attaches to debugpy inside an execution environment.
import * as fs from 'fs';
import * as vscode from 'vscode';
import { adapterAddress, DEBUG_TYPE, launchToDebugArgs, toLaminaAttach } from './debugConfig';
import { pickFunction, type Execute } from './pickFunction';
import type { AttachConfig } from './types';

/** Connects VS Code straight to debugpy's DAP socket. */
export class LaminaAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const { host, port } = adapterAddress(session.configuration as { connect?: { host?: string; port?: unknown } });
    return new vscode.DebugAdapterServer(port, host);
  }
}

/** With LAMINA_DAP_TRACE=<file>, appends every DAP message as one JSON line (for e2e tests). */
export class DapTraceFactory implements vscode.DebugAdapterTrackerFactory {
  constructor(private readonly file: string) {}

  createDebugAdapterTracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    const write = (dir: string, msg: unknown): void => {
      const line = JSON.stringify({ t: Date.now(), session: session.id, dir, msg }) + '\n';
      fs.appendFile(this.file, line, () => undefined);
    };
    return {
      onWillStartSession: () => write('start', session.configuration),
      onWillReceiveMessage: (m) => write('toAdapter', m),
      onDidSendMessage: (m) => write('fromAdapter', m),
      onError: (e) => write('error', String(e)),
      onExit: (code, signal) => write('exit', { code, signal }),
      onWillStopSession: () => write('stop', null),
    };
  }
}

/**
 * Starts debug sessions from `lamina/debugReady` and resolves launch.json `launch` configurations
 * by calling the server's `lamina.debug`. Both paths may see the same attach config (the server
 * returns it and also notifies), so sessions are deduplicated by `lamina.sessionId`.
 */
export class DebugSessions implements vscode.DebugConfigurationProvider {
  private readonly started = new Set<string>();
  private readonly pendingLaunches = new Set<Promise<unknown>>();

  constructor(
    private readonly execute: Execute,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  private claim(config: AttachConfig): boolean {
    const id = config.lamina?.sessionId;
    if (!id) {
      return true;
    }
    if (this.started.has(id)) {
      return false;
    }
    this.started.add(id);
    return true;
  }

  /** Handler of `lamina/debugReady` (and of `lamina.debug`'s return value). */
  async onDebugReady(raw: AttachConfig): Promise<void> {
    // A launch.json resolution in flight will attach to this same session itself.
    await Promise.allSettled([...this.pendingLaunches]);
    let config: AttachConfig;
    try {
      config = toLaminaAttach(raw);
    } catch (e) {
      this.log.error(`lamina/debugReady: ${String(e)}`);
      return;
    }
    if (!this.claim(config)) {
      return;
    }
    this.log.info(`attaching to ${config.connect.host}:${config.connect.port} (${config.lamina?.function ?? '?'})`);
    const folder = vscode.workspace.workspaceFolders?.[0];
    const ok = await vscode.debug.startDebugging(folder, config as vscode.DebugConfiguration);
    if (!ok) {
      void vscode.window.showErrorMessage(`Lamina: could not attach the debugger to port ${config.connect.port}.`);
    }
  }

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [{ type: DEBUG_TYPE, request: 'launch', name: 'Lamina: debug handler', function: '', event: '' }];
  }

  async resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.type && !config.request) {
      // F5 without launch.json: pick one of the workspace's functions.
      const fn = await pickFunction(this.execute);
      if (!fn) {
        return undefined;
      }
      config = { type: DEBUG_TYPE, request: 'launch', name: `Lamina: ${fn}`, function: fn };
    }
    if (config.request !== 'launch') {
      return config;
    }
    let args;
    try {
      args = launchToDebugArgs(config as { function?: unknown; event?: unknown; runConfiguration?: unknown });
    } catch (e) {
      void vscode.window.showErrorMessage(`Lamina: ${(e as Error).message}`);
      return undefined;
    }
    const pending = this.execute('lamina.debug', args);
    this.pendingLaunches.add(pending);
    try {
      const attach = toLaminaAttach((await pending) as AttachConfig);
      this.claim(attach);
      const justMyCode = (config.justMyCode as boolean | undefined) ?? attach.justMyCode;
      return { ...attach, name: config.name ?? attach.name, justMyCode };
    } catch (e) {
      void vscode.window.showErrorMessage(`Lamina: debug failed: ${(e as Error).message ?? String(e)}`);
      return undefined;
    } finally {
      this.pendingLaunches.delete(pending);
    }
  }
}

export function registerDebugger(context: vscode.ExtensionContext, sessions: DebugSessions): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new LaminaAdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, sessions),
    // Dynamic entries only (a second resolver would call lamina.debug twice).
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      { provideDebugConfigurations: () => sessions.provideDebugConfigurations() },
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
  );
  const trace = process.env.LAMINA_DAP_TRACE;
  if (trace) {
    context.subscriptions.push(vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, new DapTraceFactory(trace)));
  }
}
