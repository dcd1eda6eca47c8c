/**
 * Activation, apart from the library: the status bar, the session, the palette commands and
 * the settings listeners. extension.ts passes in the factory of real `LanguageClient`s; the
 * tests pass a fake one.
 */
import * as vscode from 'vscode';
import { executeCommandMiddleware, registerCommands } from './commands';
import { PYTHON_EXTENSION_ID, type PythonExtensionApi } from './interpreter';
import { ServerSession, type ClientFactory } from './session';
import { RESTART_KEYS } from './settings';
import { StatusBar } from './status';

/** The Python extension's API, activating it if needed; undefined when not installed. */
export async function pythonExtensionApi(): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (!extension) {
    return undefined;
  }
  return extension.isActive ? extension.exports : await extension.activate();
}

export function activateWith(context: vscode.ExtensionContext, factory: ClientFactory): ServerSession {
  const output = vscode.window.createOutputChannel('orchex');
  const trace = vscode.window.createOutputChannel('orchex (protocol trace)');
  const status = new StatusBar();
  // The middleware shows the answers of the server's own commands through this session.
  const session: ServerSession = new ServerSession({
    factory,
    output,
    trace,
    status,
    pythonApi: pythonExtensionApi,
    cwd: context.extensionPath,
    executeCommand: (command, args, next) => executeCommandMiddleware(session)(command, args, next),
  });
  context.subscriptions.push(
    output,
    trace,
    status,
    session,
    ...registerCommands(session, { output, trace }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_KEYS.some((key) => event.affectsConfiguration(key))) {
        void session.restart();
      } else if (event.affectsConfiguration('orchex')) {
        void session.settingsChanged();
      }
    }),
  );
  void watchPythonEnvironment(context, session);
  void session.start();
  return session;
}

/** Without `orchex.interpreter`, a new active environment in the Python extension restarts. */
async function watchPythonEnvironment(context: vscode.ExtensionContext, session: ServerSession): Promise<void> {
  try {
    const onChange = (await pythonExtensionApi())?.environments?.onDidChangeActiveEnvironmentPath;
    if (!onChange) {
      return;
    }
    context.subscriptions.push(
      onChange(() => {
        if (session.interpreter?.source === 'python extension') {
          void session.restart();
        }
      }),
    );
  } catch {
    // resolveInterpreter reports a broken Python extension when the server starts.
  }
}
