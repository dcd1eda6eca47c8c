/**
 * The palette commands (`orchex.client.*`, see ids.ts): each gathers what its server command
 * needs from the editor, sends `workspace/executeCommand` and shows the answer.
 */
import * as vscode from 'vscode';
import type { ExecuteCommandSignature } from 'vscode-languageclient/node';
import {
  RESTART_SERVER,
  SHOW_OUTPUT,
  SHOW_TRACE,
  clientCommand,
  type ServerCommand,
} from './ids';
import { pickHotspot, pickTask, showAgents, showAnalysis, showEditOutcome, showJson } from './present';
import type { ServerSession } from './session';

/** An LSP range, as the server's command arguments take it. */
export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export function lspRange(selection: vscode.Range): LspRange {
  return {
    start: { line: selection.start.line, character: selection.start.character },
    end: { line: selection.end.line, character: selection.end.character },
  };
}

export interface Requester {
  sendRequest<R>(method: string, params: unknown): Promise<R>;
}

export interface RefactoringChoice {
  rule: string;
  title: string;
  kind?: string;
}

/**
 * The refactorings the server offers at a range, from its own `textDocument/codeAction`
 * answer (each orchex action carries its rule id in `data.rule`): the client keeps no list.
 */
export async function refactoringsAt(client: Requester, uri: string, range: LspRange): Promise<RefactoringChoice[]> {
  const actions = await client.sendRequest<unknown>('textDocument/codeAction', {
    textDocument: { uri },
    range,
    context: { diagnostics: [], only: ['refactor'], triggerKind: 1 },
  });
  const choices: RefactoringChoice[] = [];
  for (const action of Array.isArray(actions) ? (actions as unknown[]) : []) {
    if (typeof action !== 'object' || action === null) {
      continue;
    }
    const { title, kind, data, disabled } = action as Record<string, unknown>;
    const rule = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).rule : undefined;
    if (typeof rule !== 'string' || typeof title !== 'string' || disabled !== undefined) {
      continue;
    }
    if (!choices.some((c) => c.rule === rule)) {
      choices.push({ rule, title, kind: typeof kind === 'string' ? kind : undefined });
    }
  }
  return choices;
}

/**
 * Asks for the AI instruction. Undefined when the user cancelled (nothing is sent); an empty
 * answer sends no instruction, so the server's default one applies.
 */
export async function askInstruction(): Promise<string | null | undefined> {
  const answer = await vscode.window.showInputBox({
    title: 'orchex: Refactor with AI',
    prompt: 'What should the AI do with the selected code? Leave empty for the default instruction.',
    placeHolder: 'e.g. split the parsing from the validation; keep the signature',
    ignoreFocusOut: true,
  });
  if (answer === undefined) {
    return undefined;
  }
  return answer.trim() === '' ? null : answer.trim();
}

function pythonEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'python') {
    void vscode.window.showWarningMessage('orchex: open a Python file and select the code first');
    return undefined;
  }
  return editor;
}

/** What each server command shows; also used for the server's own code lenses and actions. */
export async function present(session: ServerSession, command: string, result: unknown): Promise<void> {
  if (result === undefined || result === null) {
    return; // a failed request: the library has already reported it
  }
  switch (command) {
    case 'orchex.analyzeWorkspace':
      if (await showAnalysis(result)) {
        await showJson(await session.executeCommand('orchex.report', []));
      }
      return;
    case 'orchex.report':
      return showJson(result);
    case 'orchex.hotspots':
      return pickHotspot(result);
    case 'orchex.applyRefactoring':
    case 'orchex.refactorWithAI':
      return showEditOutcome(command, result);
    case 'orchex.agentStatus':
      return showAgents(result);
    case 'orchex.history':
      return pickTask(result);
    default:
      return;
  }
}

/**
 * Middleware for the server commands the library registers (`orchex.*`), run by code lenses
 * and code actions: the answer is shown like the palette command's. A `refactorWithAI` call
 * whose argument has no `instruction` (the "Refactor with AI…" action) asks for one first.
 */
export function executeCommandMiddleware(
  session: ServerSession,
): (command: string, args: unknown[], next: ExecuteCommandSignature) => Promise<unknown> {
  return async (command, args, next) => {
    let sent = args;
    const first: unknown = args[0];
    if (command === 'orchex.refactorWithAI' && typeof first === 'object' && first !== null && !('instruction' in first)) {
      const instruction = await askInstruction();
      if (instruction === undefined) {
        return undefined;
      }
      const rest = args.slice(1);
      sent = [instruction === null ? first : { ...first, instruction }, ...rest];
    }
    const result: unknown = await next(command, sent);
    await present(session, command, result);
    return result;
  };
}

type Handler = () => Promise<void>;

function serverCommandHandlers(session: ServerSession): Record<ServerCommand, Handler> {
  const run = async (command: ServerCommand, args: unknown[]): Promise<void> => {
    await present(session, command, await session.executeCommand(command, args));
  };
  return {
    'orchex.analyzeWorkspace': () => run('orchex.analyzeWorkspace', []),
    'orchex.report': () => {
      // The active Python file's report, else the workspace's.
      const editor = vscode.window.activeTextEditor;
      const uri = editor?.document.languageId === 'python' ? editor.document.uri.toString() : undefined;
      return run('orchex.report', uri ? [uri] : []);
    },
    'orchex.hotspots': () => run('orchex.hotspots', []),
    'orchex.applyRefactoring': async () => {
      const editor = pythonEditor();
      if (!editor) {
        return;
      }
      const uri = editor.document.uri.toString();
      const range = lspRange(editor.selection);
      const choices = await refactoringsAt(await session.ready(), uri, range);
      if (choices.length === 0) {
        await vscode.window.showInformationMessage('orchex: no refactoring applies at the selection');
        return;
      }
      const chosen = await vscode.window.showQuickPick(
        choices.map((c) => ({ label: c.title, description: c.rule, choice: c })),
        { title: 'orchex: apply a refactoring', placeHolder: 'Refactorings that apply at the selection' },
      );
      if (chosen) {
        await run('orchex.applyRefactoring', [{ uri, range, refactoring: chosen.choice.rule }]);
      }
    },
    'orchex.refactorWithAI': async () => {
      const editor = pythonEditor();
      if (!editor) {
        return;
      }
      const uri = editor.document.uri.toString();
      const range = lspRange(editor.selection);
      const instruction = await askInstruction();
      if (instruction === undefined) {
        return;
      }
      await run('orchex.refactorWithAI', [instruction === null ? { uri, range } : { uri, range, instruction }]);
    },
    'orchex.agentStatus': () => run('orchex.agentStatus', []),
    'orchex.history': () => run('orchex.history', []),
  };
}

/** Errors reach the user as one message; the server's own text says what was wrong. */
function guarded(handler: Handler): () => Promise<void> {
  return async () => {
    try {
      await handler();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await vscode.window.showErrorMessage(`orchex: ${message}`);
    }
  };
}

export function registerCommands(
  session: ServerSession,
  channels: { output: vscode.OutputChannel; trace: vscode.OutputChannel },
): vscode.Disposable[] {
  const handlers = serverCommandHandlers(session);
  const disposables = (Object.keys(handlers) as ServerCommand[]).map((command) =>
    vscode.commands.registerCommand(clientCommand(command), guarded(handlers[command])),
  );
  disposables.push(
    vscode.commands.registerCommand(
      RESTART_SERVER,
      guarded(async () => {
        const client = await session.restart();
        if (!client) {
          channels.output.show(true);
        }
      }),
    ),
    vscode.commands.registerCommand(SHOW_OUTPUT, () => {
      channels.output.show(true);
    }),
    vscode.commands.registerCommand(SHOW_TRACE, () => {
      channels.trace.show(true);
    }),
  );
  return disposables;
}
