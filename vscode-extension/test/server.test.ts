/**
 * The extension's protocol side against the real server: started as the extension starts
 * it (interpreter, `-m orchex_ls`, initializationOptions from the settings), answering
 * `workspace/configuration` with the extension's middleware, listing refactorings through
 * the server's code actions as "Apply Refactoring…" does. No VS Code here: the messages go
 * through vscode-jsonrpc, the library's own transport.
 *
 * The server's Python: $ORCHEX_PYTHON, else the repository's .venv (what .ci/run creates).
 */
import './register-vscode';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CancellationToken,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { refactoringsAt } from '../src/commands';
import { SERVER_COMMANDS } from '../src/ids';
import { showAgents } from '../src/present';
import { answerConfiguration, clientSpec } from '../src/session';
import { describeStatus, parseStatus } from '../src/status';
import { fake } from './vscode-stub';

const EXTENSION_DIR = path.join(__dirname, '..', '..');
// Unset, a missing .venv skips these tests; set (as .ci/vscode.sh does), it must work.
const PYTHON = process.env.ORCHEX_PYTHON ?? path.join(EXTENSION_DIR, '..', '.venv', 'bin', 'python');

function unavailable(): string | undefined {
  if (process.env.ORCHEX_PYTHON === undefined && !existsSync(PYTHON)) {
    return `no Python at ${PYTHON} (set ORCHEX_PYTHON to one with orchex-ls installed)`;
  }
  return undefined;
}
const skip = unavailable();

const CORE = `def tangled(a, b, c, d, e, f, g):
    total = 0
    for x in a:
        if x:
            for y in b:
                if y and c or d:
                    while e:
                        if f:
                            total += 1
                        else:
                            total -= 1
    return total
`;

interface Diagnostic {
  code?: string;
  source?: string;
  message: string;
}

/** Resolves when `predicate` holds for a value pushed to `list`, or fails after `ms`. */
function waitFor<T>(list: T[], predicate: (item: T) => boolean, what: string, ms = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      const found = list.find(predicate);
      if (found !== undefined) {
        resolve(found);
      } else if (Date.now() - started > ms) {
        reject(new Error(`no ${what} within ${ms / 1000} s`));
      } else {
        setTimeout(poll, 50);
      }
    };
    poll();
  });
}

describe('against the real server', { skip, timeout: 120_000 }, () => {
  let workspace: string;
  let server: ChildProcessWithoutNullStreams | undefined;
  let connection: ProtocolConnection | undefined;
  let stderr = '';
  const messages: { type: number; message: string }[] = [];
  const diagnostics: { uri: string; diagnostics: Diagnostic[] }[] = [];
  const edits: unknown[] = [];
  const statuses: unknown[] = [];
  let commands: string[] = [];
  let coreUri: string;

  before(async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import orchex_ls'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `${PYTHON} cannot import orchex_ls: ${probe.stderr || String(probe.error)}`);
    workspace = mkdtempSync(path.join(os.tmpdir(), 'orchex-vscode-'));
    mkdirSync(path.join(workspace, 'pkg'));
    writeFileSync(path.join(workspace, 'pkg', 'core.py'), CORE);
    writeFileSync(path.join(workspace, 'pyproject.toml'), '[project]\nname = "demo"\nversion = "0"\n');
    coreUri = pathToFileURL(path.join(workspace, 'pkg', 'core.py')).toString();

    fake.reset();
    fake.settings.set('orchex.interpreter', PYTHON);
    fake.settings.set('orchex.debounceMs', 0);
    fake.settings.set('orchex.thresholds.nesting', 3);
    fake.settings.set('orchex.thresholds.cognitive', 30); // 24: no OCX102
    fake.settings.set('orchex.thresholds.parameters', 7); // 7: no OCX105
    const channel = { appendLine: () => undefined } as never;
    const spec = clientSpec({ command: PYTHON, source: 'setting' }, { output: channel, trace: channel, cwd: EXTENSION_DIR });

    server = spawn(spec.serverOptions.command, spec.serverOptions.args ?? [], { cwd: spec.serverOptions.options?.cwd });
    server.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const conn = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
    connection = conn;
    conn.onRequest('workspace/configuration', (params: { items: { section?: string }[] }, token: CancellationToken) =>
      answerConfiguration(params, token, (p) => p.items.map(() => null)),
    );
    conn.onRequest('workspace/applyEdit', (params: unknown) => {
      edits.push(params);
      return { applied: true };
    });
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onRequest('client/registerCapability', () => null);
    conn.onNotification('window/showMessage', (params: { type: number; message: string }) => {
      messages.push(params);
    });
    conn.onNotification('orchex/status', (params: unknown) => {
      statuses.push(params);
    });
    conn.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: Diagnostic[] }) => {
      diagnostics.push(params);
    });
    conn.listen();

    const initialized = await conn.sendRequest<{ capabilities: { executeCommandProvider?: { commands?: string[] } } }>('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(workspace).toString(),
      workspaceFolders: [{ uri: pathToFileURL(workspace).toString(), name: 'demo' }],
      initializationOptions: spec.clientOptions.initializationOptions as unknown,
      capabilities: {
        workspace: { configuration: true, applyEdit: true, workspaceEdit: { documentChanges: true }, didChangeConfiguration: { dynamicRegistration: false } },
        window: { workDoneProgress: true },
        textDocument: {
          publishDiagnostics: { relatedInformation: true },
          codeAction: {
            dataSupport: true,
            resolveSupport: { properties: ['edit'] },
            codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite'] } },
          },
        },
      },
    });
    commands = initialized.capabilities.executeCommandProvider?.commands ?? [];
    await conn.sendNotification('initialized', {});
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: coreUri, languageId: 'python', version: 1, text: CORE },
    });
  });

  after(async () => {
    try {
      await connection?.sendRequest('shutdown');
      await connection?.sendNotification('exit');
    } catch {
      // already gone
    }
    server?.kill();
    connection?.dispose();
    rmSync(workspace, { recursive: true, force: true });
    fake.reset();
  });

  function lsp(): ProtocolConnection {
    assert.ok(connection, 'the server did not start');
    return connection;
  }

  it('takes the settings as the extension sends them: the thresholds apply, nothing is refused', async () => {
    const published = await waitFor(
      diagnostics,
      (d) => d.uri === coreUri && d.diagnostics.some((x) => x.code === 'OCX103'),
      'OCX103 diagnostic for pkg/core.py',
    );
    const nesting = published.diagnostics.find((x) => x.code === 'OCX103');
    assert.ok(nesting);
    assert.equal(nesting.source, 'orchex');
    assert.match(nesting.message, /\(threshold 3\)/, 'the nesting threshold from the settings');
    // With the server's defaults (15 and 6) both would be reported.
    assert.deepEqual(published.diagnostics.map((x) => x.code).filter((c) => c === 'OCX102' || c === 'OCX105'), []);
    assert.deepEqual(messages.filter((m) => m.type === 1), [], `settings refused: ${stderr}`);
  });

  it('advertises no command that the extension does not wire', (t) => {
    const unwired = commands.filter((c) => c !== 'orchex.debug' && !(SERVER_COMMANDS as readonly string[]).includes(c));
    assert.deepEqual(unwired, []);
    const missing = SERVER_COMMANDS.filter((c) => !commands.includes(c));
    if (missing.length > 0) {
      // Wired in the client, not (yet) served: the palette command shows the server's error.
      t.diagnostic(`the server does not offer yet: ${missing.join(', ')}`);
    }
  });

  it('lists the refactorings at the cursor by rule id, and applies one with orchex.applyRefactoring', async () => {
    const range = { start: { line: 3, character: 8 }, end: { line: 3, character: 8 } }; // `if x:`
    const requester = { sendRequest: <R>(method: string, params: unknown) => lsp().sendRequest<R>(method, params) };
    const choices = await refactoringsAt(requester, coreUri, range);
    const rules = choices.map((c) => c.rule);
    assert.ok(rules.includes('guard-clause'), `offered: ${rules.join(', ')}`);
    const result = await lsp().sendRequest<{ applied: boolean; title?: string }>('workspace/executeCommand', {
      command: 'orchex.applyRefactoring',
      arguments: [{ uri: coreUri, range, refactoring: 'guard-clause' }],
    });
    assert.equal(result.applied, true, JSON.stringify(result));
    assert.equal(edits.length, 1);
  });

  it('refuses a bad setting with a message naming the key, keeping the server up', async () => {
    fake.settings.set('orchex.debounceMs', 'soon');
    await lsp().sendNotification('workspace/didChangeConfiguration', { settings: null });
    const refused = await waitFor(messages, (m) => m.type === 1, 'error message for debounceMs');
    assert.match(refused.message, /debounce-ms/);
    const summary = await lsp().sendRequest<{ files: number }>('workspace/executeCommand', {
      command: 'orchex.analyzeWorkspace',
      arguments: [],
    });
    assert.equal(summary.files, 1);
  });

  it('sends orchex/status in the shape the status bar reads', async (t) => {
    if (!commands.includes('orchex.agentStatus')) {
      t.skip('the server has no AI feature yet');
      return;
    }
    const params = await waitFor(statuses, () => true, 'orchex/status notification');
    const parsed = parseStatus(params);
    assert.ok(parsed.agents?.healthy !== undefined && parsed.agents.total !== undefined, JSON.stringify(params));
    assert.ok(parsed.tasks?.running !== undefined && parsed.cost?.today_usd !== undefined, JSON.stringify(params));
    assert.match(describeStatus(parsed).text, /^\$\(hubot\) \d+\/\d+ · 0 running · \$\d+\.\d\d$/);
  });

  it('answers orchex.agentStatus and orchex.history in shapes the pickers show', async (t) => {
    if (!commands.includes('orchex.agentStatus') || !commands.includes('orchex.history')) {
      t.skip('the server has no AI feature yet');
      return;
    }
    const status = await lsp().sendRequest('workspace/executeCommand', { command: 'orchex.agentStatus', arguments: [] });
    fake.pick = () => undefined;
    await showAgents(status);
    const items = (fake.quickPicks.at(-1)?.items ?? []) as { label: string }[];
    assert.ok(items.some((i) => i.label === '$(pass) builtin'), `agents shown: ${JSON.stringify(items)} from ${JSON.stringify(status)}`);
    const history = await lsp().sendRequest('workspace/executeCommand', { command: 'orchex.history', arguments: [] });
    assert.ok(Array.isArray(history), JSON.stringify(history));
  });
});
