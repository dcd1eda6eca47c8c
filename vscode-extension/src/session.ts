/**
 * One language client at a time: started from the settings, replaced when the interpreter
 * or the server arguments change. The library's `LanguageClient` is created by a factory
 * passed in (see extension.ts), so that this module, and the tests, never load it.
 */
import * as vscode from 'vscode';
import type { ConfigurationParams, Executable, LanguageClientOptions, Middleware } from 'vscode-languageclient/node';
import { STATUS_NOTIFICATION, type ServerCommand } from './ids';
import { resolveInterpreter, type Interpreter, type PythonExtensionApi } from './interpreter';
import { serverArgs, serverSettings } from './settings';
import type { StatusBar } from './status';

/** Anything with `dispose` (the library's disposables are not `vscode.Disposable` instances). */
export interface Disposable {
  dispose(): unknown;
}

/** The part of `LanguageClient` used here (extension.ts adapts the real one). */
export interface LspClient {
  start(): Promise<void>;
  stop(): Promise<void>;
  sendRequest<R>(method: string, params: unknown): Promise<R>;
  sendNotification(method: string, params: unknown): Promise<void>;
  onNotification(method: string, handler: (params: unknown) => void): Disposable;
  /** Fires false when the server stops (or crashed and the library gave up), true when it runs. */
  onDidChangeRunning(listener: (running: boolean) => void): Disposable;
}

export interface ClientSpec {
  serverOptions: Executable;
  clientOptions: LanguageClientOptions;
}

export type ClientFactory = (spec: ClientSpec) => LspClient;

export interface SessionEnv {
  factory: ClientFactory;
  output: vscode.OutputChannel;
  trace: vscode.OutputChannel;
  status: StatusBar;
  /** The Python extension's API, or undefined when it is not installed. */
  pythonApi: () => Promise<PythonExtensionApi | undefined>;
  /** Folder the server process runs in: one without Python packages, so `-m` finds ours. */
  cwd: string;
  /** How results of the server's own commands (code lenses, code actions) are shown. */
  executeCommand?: Middleware['executeCommand'];
}

export class NotRunning extends Error {
  constructor() {
    super('the orchex server is not running; see "orchex: Show Output" and try "orchex: Restart Server"');
  }
}

function config(scope?: vscode.Uri): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('orchex', scope);
}

/** Answers `workspace/configuration` for section `orchex` with the server's view of it. */
export const answerConfiguration: NonNullable<NonNullable<Middleware['workspace']>['configuration']> = async (
  params: ConfigurationParams,
  token,
  next,
) => {
  const fallback = await next(params, token);
  if (!Array.isArray(fallback)) {
    return fallback; // an error from the library: pass it on
  }
  return params.items.map((item, index) =>
    item.section === 'orchex'
      ? serverSettings(config(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined))
      : (fallback[index] as unknown),
  );
};

/** Everything the library needs to start the server; `interpreter` was resolved before. */
export function clientSpec(interpreter: Interpreter, env: Pick<SessionEnv, 'output' | 'trace' | 'cwd' | 'executeCommand'>): ClientSpec {
  const settings = config();
  const middleware: Middleware = { workspace: { configuration: answerConfiguration } };
  if (env.executeCommand) {
    middleware.executeCommand = env.executeCommand;
  }
  return {
    serverOptions: {
      command: interpreter.command,
      args: serverArgs(settings),
      options: { cwd: env.cwd },
    },
    clientOptions: {
      documentSelector: [
        { scheme: 'file', language: 'python' },
        { scheme: 'untitled', language: 'python' },
      ],
      outputChannel: env.output,
      traceOutputChannel: env.trace,
      initializationOptions: { settings: serverSettings(settings) },
      middleware,
    },
  };
}

/**
 * Starts, stops and restarts run one after the other (a restart asked for while the server
 * is starting waits for the start), and a command waits for them: it never sees a client
 * that is being replaced.
 */
export class ServerSession implements vscode.Disposable {
  private client: LspClient | undefined;
  private subscriptions: Disposable[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  interpreter: Interpreter | undefined;

  constructor(private readonly env: SessionEnv) {}

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The running client, starting one if none runs; undefined if it failed to start. */
  start(): Promise<LspClient | undefined> {
    return this.enqueue(() => this.startNow());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.stopNow());
  }

  restart(): Promise<LspClient | undefined> {
    return this.enqueue(async () => {
      await this.stopNow();
      return this.startNow();
    });
  }

  /** The running client, once the starts and stops asked for so far are done. */
  async ready(): Promise<LspClient> {
    await this.queue;
    if (!this.client) {
      throw new NotRunning();
    }
    return this.client;
  }

  async executeCommand<R>(command: ServerCommand, args: unknown[]): Promise<R> {
    const client = await this.ready();
    return client.sendRequest<R>('workspace/executeCommand', { command, arguments: args });
  }

  /** Tell the server the settings changed; it reads them back with `workspace/configuration`. */
  async settingsChanged(): Promise<void> {
    const client = this.client;
    if (client) {
      await client.sendNotification('workspace/didChangeConfiguration', { settings: { orchex: serverSettings(config()) } });
    }
  }

  private async startNow(): Promise<LspClient | undefined> {
    if (this.client) {
      return this.client;
    }
    const { env } = this;
    env.status.setState('starting');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const interpreter = await resolveInterpreter(config().get('interpreter'), env.pythonApi, folder, (m) => {
      env.output.appendLine(`orchex: ${m}`);
    });
    this.interpreter = interpreter;
    const spec = clientSpec(interpreter, env);
    env.output.appendLine(
      `orchex: starting ${[spec.serverOptions.command, ...(spec.serverOptions.args ?? [])].join(' ')} (interpreter from ${interpreter.source})`,
    );
    const client = env.factory(spec);
    this.subscriptions = [
      client.onNotification(STATUS_NOTIFICATION, (params) => {
        env.status.update(params);
      }),
      client.onDidChangeRunning((running) => {
        env.status.setState(running ? 'running' : 'stopped');
      }),
    ];
    try {
      await client.start();
    } catch (error) {
      env.output.appendLine(
        `orchex: the server did not start with ${interpreter.command} (${String(error)}). ` +
          'Is orchex-ls installed for it? Set "orchex.interpreter" to a Python that has it.',
      );
      this.dispose();
      env.status.setState('stopped');
      return undefined;
    }
    this.client = client;
    env.status.setState('running');
    return client;
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.dispose();
    if (client) {
      try {
        await client.stop();
      } catch (error) {
        this.env.output.appendLine(`orchex: stopping the server: ${String(error)}`);
      }
    }
    this.env.status.setState('stopped');
  }

  /** Stops listening to the current client (VS Code calls it on deactivation). */
  dispose(): void {
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
    this.subscriptions = [];
  }
}
