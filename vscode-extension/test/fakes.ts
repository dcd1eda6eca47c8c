/** A fake language client and extension context for driving `activateWith`. */
import './register-vscode';
import type * as vscode from 'vscode';
import { activateWith } from '../src/activate';
import type { ClientSpec, LspClient } from '../src/session';
import { Uri, fake } from './vscode-stub';

export interface Sent {
  method: string;
  params: unknown;
}

export class FakeClient implements LspClient {
  readonly requests: Sent[] = [];
  readonly notifications: Sent[] = [];
  readonly handlers = new Map<string, (params: unknown) => void>();
  private readonly runningListeners: ((running: boolean) => void)[] = [];
  started = false;
  stopped = false;

  constructor(
    readonly spec: ClientSpec,
    /** Answers requests; by default every command answers `{}`. */
    private readonly answer: (method: string, params: unknown) => unknown,
    private readonly failStart = false,
  ) {}

  start(): Promise<void> {
    if (this.failStart) {
      return Promise.reject(new Error('spawn python3 ENOENT'));
    }
    this.started = true;
    for (const listener of this.runningListeners) {
      listener(true);
    }
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.stopped = true;
    for (const listener of this.runningListeners) {
      listener(false);
    }
    return Promise.resolve();
  }

  sendRequest<R>(method: string, params: unknown): Promise<R> {
    this.requests.push({ method, params });
    try {
      return Promise.resolve(this.answer(method, params) as R);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  sendNotification(method: string, params: unknown): Promise<void> {
    this.notifications.push({ method, params });
    return Promise.resolve();
  }

  onNotification(method: string, handler: (params: unknown) => void): { dispose(): void } {
    this.handlers.set(method, handler);
    return { dispose: () => this.handlers.delete(method) };
  }

  onDidChangeRunning(listener: (running: boolean) => void): { dispose(): void } {
    this.runningListeners.push(listener);
    return { dispose: () => undefined };
  }

  /** The server sends a notification. */
  notify(method: string, params: unknown): void {
    this.handlers.get(method)?.(params);
  }

  /** The `workspace/executeCommand` requests sent, as [command, arguments]. */
  get commands(): [string, unknown[]][] {
    return this.requests
      .filter((r) => r.method === 'workspace/executeCommand')
      .map((r) => {
        const { command, arguments: args } = r.params as { command: string; arguments: unknown[] };
        return [command, args];
      });
  }
}

export interface Activated {
  context: vscode.ExtensionContext & { subscriptions: { dispose(): unknown }[] };
  clients: FakeClient[];
  session: ReturnType<typeof activateWith>;
  /** The client of the latest start, once it started. */
  client(): Promise<FakeClient>;
}

export interface ActivateOptions {
  answer?: (method: string, params: unknown) => unknown;
  failStart?: boolean;
}

export async function activate(options: ActivateOptions = {}): Promise<Activated> {
  const clients: FakeClient[] = [];
  const context = { subscriptions: [], extensionPath: '/ext/orchex' } as unknown as Activated['context'];
  const answer = options.answer ?? (() => ({}));
  const session = activateWith(context, (spec) => {
    const client = new FakeClient(spec, answer, options.failStart);
    clients.push(client);
    return client;
  });
  const client = async (): Promise<FakeClient> => {
    await session.start();
    const last = clients.at(-1);
    if (!last) {
      throw new Error('no client was created');
    }
    return last;
  };
  await session.start();
  return { context, clients, session, client };
}

export function deactivate(activated: Activated): void {
  for (const subscription of activated.context.subscriptions) {
    subscription.dispose();
  }
  fake.reset();
}

/** A Python editor with a selection. */
export function pythonEditor(file: string, start: [number, number], end: [number, number] = start): unknown {
  return {
    document: { uri: Uri.file(file), languageId: 'python' },
    selection: {
      start: { line: start[0], character: start[1] },
      end: { line: end[0], character: end[1] },
    },
  };
}
