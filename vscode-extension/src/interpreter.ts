/**
 * Which Python starts the server: `orchex.interpreter`, else the Python extension's active
 * environment (when `ms-python.python` is installed), else `python3`.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Event, Uri } from 'vscode';

export const PYTHON_EXTENSION_ID = 'ms-python.python';
export const DEFAULT_PYTHON = 'python3';

/** The part of the Python extension's API used here; every member may be missing. */
export interface PythonEnvironmentsApi {
  getActiveEnvironmentPath?(resource?: Uri): { id?: string; path?: string } | undefined;
  resolveEnvironment?(
    environment: { id?: string; path?: string } | string,
  ): Promise<{ executable?: { uri?: { fsPath?: string } } } | undefined>;
  onDidChangeActiveEnvironmentPath?: Event<unknown>;
}

export interface PythonExtensionApi {
  environments?: PythonEnvironmentsApi;
}

export type InterpreterSource = 'setting' | 'python extension' | 'default';

export interface Interpreter {
  command: string;
  source: InterpreterSource;
}

/** `${workspaceFolder}`, `${userHome}` and a leading `~` in the configured path. */
export function expandPath(value: string, workspaceFolder: string | undefined): string {
  let out = value.trim();
  if (out === '~' || out.startsWith('~/')) {
    out = path.join(os.homedir(), out.slice(1));
  }
  out = out.replace(/\$\{userHome\}/g, os.homedir());
  if (workspaceFolder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  }
  return out;
}

/**
 * The interpreter in force. `pythonApi` gives the Python extension's API, or undefined when
 * the extension is not installed; its failures fall back to `python3` (reported through
 * `log`), since a broken Python extension must not keep orchex from starting.
 */
export async function resolveInterpreter(
  configured: unknown,
  pythonApi: () => Promise<PythonExtensionApi | undefined>,
  workspaceFolder: Uri | undefined,
  log: (message: string) => void,
): Promise<Interpreter> {
  if (typeof configured === 'string' && configured.trim() !== '') {
    return { command: expandPath(configured, workspaceFolder?.fsPath), source: 'setting' };
  }
  try {
    const environments = (await pythonApi())?.environments;
    const active = environments?.getActiveEnvironmentPath?.(workspaceFolder);
    if (environments && active?.path) {
      // `path` may name the environment's folder; resolving gives its executable.
      const resolved = await environments.resolveEnvironment?.(active);
      const executable = resolved?.executable?.uri?.fsPath ?? active.path;
      return { command: executable, source: 'python extension' };
    }
  } catch (error) {
    log(`could not ask the Python extension for its environment: ${String(error)}`);
  }
  return { command: DEFAULT_PYTHON, source: 'default' };
}
