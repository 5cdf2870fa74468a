// Pure mapping of the server's DAP attach configuration to this extension's `lamina` debugger.
import type { AttachConfig } from './types';

export const DEBUG_TYPE = 'lamina';

/**
 * The server sends `type: "debugpy"` (what nvim-dap, LSP4IJ and Microsoft's extension know);
 * here it becomes `type: "lamina"`, so Lamina's own DebugAdapterDescriptorFactory attaches.
 */
export function toLaminaAttach(config: AttachConfig): AttachConfig {
  if (!config || typeof config !== 'object') {
    throw new Error('debug configuration is not an object');
  }
  const port = Number(config.connect?.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`debug configuration has no valid connect.port (${String(config.connect?.port)})`);
  }
  const fn = config.lamina?.function;
  return {
    ...config,
    name: config.name ?? (fn ? `Lamina: ${fn}` : 'Lamina: attach'),
    type: DEBUG_TYPE,
    request: 'attach',
    connect: { host: config.connect.host || '127.0.0.1', port },
  };
}

/** Arguments for the server's `lamina.debug` command from a launch.json `launch` configuration. */
export function launchToDebugArgs(config: {
  function?: unknown;
  event?: unknown;
  runConfiguration?: unknown;
}): { function: string; event?: string; runConfiguration?: string } {
  if (typeof config.function !== 'string' || config.function.trim() === '') {
    throw new Error('the launch configuration needs "function" (a logical id or path.py:function)');
  }
  const args: { function: string; event?: string; runConfiguration?: string } = {
    function: config.function.trim(),
  };
  if (typeof config.event === 'string' && config.event !== '') {
    args.event = config.event;
  }
  if (typeof config.runConfiguration === 'string' && config.runConfiguration !== '') {
    args.runConfiguration = config.runConfiguration;
  }
  return args;
}

/** Where the debug adapter listens, for DebugAdapterServer(port, host). */
export function adapterAddress(config: { connect?: { host?: string; port?: unknown } }): {
  host: string;
  port: number;
} {
  const port = Number(config.connect?.port);
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error('a lamina debug session needs connect.port');
  }
  return { host: config.connect?.host || '127.0.0.1', port };
}
