/**
 * Command ids. The server owns `orchex.*`: vscode-languageclient registers every id the
 * server lists in `executeCommandProvider` as a VS Code command by itself, so a client
 * command with the same id would fail to register ("command already exists") the moment
 * the server starts. Every command this extension registers is therefore `orchex.client.*`;
 * the palette shows only these, and each sends `workspace/executeCommand` with the server's
 * id. The server's own ids stay registered by the library for code lenses and code actions.
 */

/** The server's `workspace/executeCommand` ids, each wrapped by a palette command. */
export const SERVER_COMMANDS = [
  'orchex.analyzeWorkspace',
  'orchex.report',
  'orchex.hotspots',
  'orchex.applyRefactoring',
  'orchex.refactorWithAI',
  'orchex.agentStatus',
  'orchex.history',
] as const;
export type ServerCommand = (typeof SERVER_COMMANDS)[number];

export const CLIENT_PREFIX = 'orchex.client.';

/** `orchex.report` → `orchex.client.report`. */
export function clientCommand(server: ServerCommand): string {
  return CLIENT_PREFIX + server.slice('orchex.'.length);
}

/** Commands with no server counterpart. */
export const RESTART_SERVER = `${CLIENT_PREFIX}restartServer`;
export const SHOW_OUTPUT = `${CLIENT_PREFIX}showOutput`;
export const SHOW_TRACE = `${CLIENT_PREFIX}showTrace`;

export const CLIENT_ONLY_COMMANDS = [RESTART_SERVER, SHOW_OUTPUT, SHOW_TRACE] as const;

/** Every command id this extension registers (and contributes to the palette). */
export function allClientCommands(): string[] {
  return [...SERVER_COMMANDS.map(clientCommand), ...CLIENT_ONLY_COMMANDS];
}

/** The custom notification the server sends when agents, tasks or today's cost change. */
export const STATUS_NOTIFICATION = 'orchex/status';
