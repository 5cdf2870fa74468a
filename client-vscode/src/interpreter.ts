// Pure choice of the Python interpreter that runs `python -m lamina lsp`.

export interface InterpreterInputs {
  /** The `lamina.python` setting. */
  setting?: string;
  /** The Python extension's active environment, when that extension is installed. */
  pythonExtension?: string;
  platform?: NodeJS.Platform;
}

export interface InterpreterChoice {
  command: string;
  source: 'setting' | 'pythonExtension' | 'path';
}

export function chooseInterpreter(inputs: InterpreterInputs): InterpreterChoice {
  const setting = inputs.setting?.trim();
  if (setting) {
    return { command: setting, source: 'setting' };
  }
  const ext = inputs.pythonExtension?.trim();
  if (ext) {
    return { command: ext, source: 'pythonExtension' };
  }
  const platform = inputs.platform ?? process.platform;
  return { command: platform === 'win32' ? 'python' : 'python3', source: 'path' };
}

export function serverArgs(): string[] {
  return ['-m', 'lamina', 'lsp'];
}

/** Replace `${workspaceFolder}` and `~` in a configured interpreter path. */
export function expandPath(value: string, workspaceFolder: string | undefined, home: string): string {
  let out = value;
  if (workspaceFolder) {
    out = out.split('${workspaceFolder}').join(workspaceFolder);
  }
  if (out === '~' || out.startsWith('~/')) {
    out = home + out.slice(1);
  }
  return out;
}

/**
 * The server's arguments after the interpreter. LAMINA_SERVER_ARGS (a JSON array) replaces them,
 * so a benchmark can start another server exactly the same way.
 */
export function serverArgsFrom(env: NodeJS.ProcessEnv): string[] {
  const raw = env.LAMINA_SERVER_ARGS;
  if (!raw) {
    return serverArgs();
  }
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error('LAMINA_SERVER_ARGS must be a JSON array of strings');
  }
  return parsed;
}

/**
 * What `pip install` gets when Lamina is missing: the `lamina.installSource` setting, else the
 * wheel bundled with the extension (the last by name), else `lamina` from the package index.
 */
export function installArgs(setting: string | undefined, bundledWheels: string[]): string[] {
  const wheels = [...bundledWheels].filter((w) => w.endsWith('.whl')).sort();
  const source = setting?.trim() || wheels.pop() || 'lamina';
  return ['-m', 'pip', 'install', '--disable-pip-version-check', source];
}
