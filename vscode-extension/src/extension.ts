/** The entry point VS Code loads: activation with real `LanguageClient`s. */
import type * as vscode from 'vscode';
import { LanguageClient, State } from 'vscode-languageclient/node';
import { activateWith } from './activate';
import type { ClientSpec, LspClient, ServerSession } from './session';

/** A `LanguageClient` seen through the small interface the rest of the extension uses. */
function languageClient({ serverOptions, clientOptions }: ClientSpec): LspClient {
  // The id `orchex` makes the library read `orchex.trace.server` for the protocol trace.
  const client = new LanguageClient('orchex', 'orchex', serverOptions, clientOptions);
  return {
    start: () => client.start(),
    stop: () => client.stop(),
    sendRequest: <R>(method: string, params: unknown) => client.sendRequest<R>(method, params),
    sendNotification: (method: string, params: unknown) => client.sendNotification(method, params),
    onNotification: (method: string, handler: (params: unknown) => void) => client.onNotification(method, handler),
    onDidChangeRunning: (listener: (running: boolean) => void) =>
      client.onDidChangeState((event) => {
        if (event.newState !== State.Starting) {
          listener(event.newState === State.Running);
        }
      }),
  };
}

let session: ServerSession | undefined;

export function activate(context: vscode.ExtensionContext): void {
  session = activateWith(context, languageClient);
}

export async function deactivate(): Promise<void> {
  await session?.stop();
  session = undefined;
}
