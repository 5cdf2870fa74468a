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
