import './register-vscode';
import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { clientCommand, type ServerCommand } from '../src/ids';
import { activate, deactivate, pythonEditor, type Activated } from './fakes';
import { fake } from './vscode-stub';

const FILE = '/work/project/pkg/core.py';
const URI = `file://${FILE}`;

async function run(server: ServerCommand): Promise<void> {
  const handler = fake.commands.get(clientCommand(server));
  assert.ok(handler, `${server} has no palette command`);
  await handler();
}

/** The server's `textDocument/codeAction` answer at the cursor (orchex puts the rule id in data). */
const CODE_ACTIONS = [
  { title: 'Invert `if` into a guard clause (nesting 5 → 4)', kind: 'refactor.rewrite', data: { uri: URI, rule: 'guard-clause' } },
  { title: 'Extract function', kind: 'refactor.extract', data: { uri: URI, rule: 'extract-function' } },
  { title: 'Extract function again', kind: 'refactor.extract', data: { uri: URI, rule: 'extract-function' } },
  { title: 'Not ours', kind: 'refactor.rewrite' },
  { title: 'Disabled', kind: 'refactor.rewrite', data: { rule: 'merge-nested-ifs' }, disabled: { reason: 'no' } },
];

let activated: Activated | undefined;

function current(): Activated {
  assert.ok(activated, 'not activated');
  return activated;
}

describe('palette commands', () => {
  let answers: Record<string, unknown>;
  beforeEach(async () => {
    fake.reset();
    answers = {};
    activated = await activate({
      answer: (method, params) => {
        if (method === 'textDocument/codeAction') {
          return CODE_ACTIONS;
        }
        const { command } = params as { command: string };
        if (command in answers) {
          const answer = answers[command];
          if (answer instanceof Error) {
            throw answer;
          }
          return answer;
        }
        return {};
      },
    });
  });
  afterEach(() => {
    if (activated) {
      deactivate(activated);
    }
    activated = undefined;
  });

  it('Refactor with AI… sends the selection and the instruction typed in the input box', async () => {
    fake.activeTextEditor = pythonEditor(FILE, [3, 4], [10, 0]);
    fake.inputAnswers.push('  split the loop into a helper  ');
    answers['orchex.refactorWithAI'] = { applied: true, agent: 'local-llama', cost_usd: 0.0012 };
    await run('orchex.refactorWithAI');
    const client = await current().client();
    assert.equal(fake.inputBoxes.length, 1);
    assert.deepEqual(client.commands, [
      [
        'orchex.refactorWithAI',
        [{ uri: URI, range: { start: { line: 3, character: 4 }, end: { line: 10, character: 0 } }, instruction: 'split the loop into a helper' }],
      ],
    ]);
    assert.match(fake.messages.at(-1)?.text ?? '', /applied AI refactoring \(by local-llama, \$0\.0012\)/);
  });

  it('Refactor with AI… sends no instruction for an empty answer, and nothing when cancelled', async () => {
    fake.activeTextEditor = pythonEditor(FILE, [5, 0]);
    fake.inputAnswers.push('', undefined);
    await run('orchex.refactorWithAI');
    await run('orchex.refactorWithAI');
    const client = await current().client();
    assert.deepEqual(client.commands, [
      ['orchex.refactorWithAI', [{ uri: URI, range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } } }]],
    ]);
  });

  it('Refactor with AI… shows the server\'s title of an applied edit', async () => {
    fake.activeTextEditor = pythonEditor(FILE, [5, 0]);
    fake.inputAnswers.push('go');
    const title = 'Refactor `tangled` with AI by primary ($0.0021): cognitive 24 → 6';
    answers['orchex.refactorWithAI'] = { applied: true, title, agent: 'primary', cost_usd: 0.0021, status: 'applied' };
    await run('orchex.refactorWithAI');
    assert.deepEqual(fake.messages, [{ level: 'information', text: `orchex: ${title}`, items: [] }]);
  });

  it('Refactor with AI… leaves a refusal to the server\'s own message', async () => {
    fake.activeTextEditor = pythonEditor(FILE, [5, 0]);
    fake.inputAnswers.push('go');
    answers['orchex.refactorWithAI'] = { applied: false, reason: 'over the daily budget', status: 'failed' };
    await run('orchex.refactorWithAI');
    assert.equal((await current().client()).commands.length, 1);
    assert.deepEqual(fake.messages, []);
  });

  it('needs a Python editor for the refactorings', async () => {
    await run('orchex.refactorWithAI');
    await run('orchex.applyRefactoring');
    assert.equal(fake.inputBoxes.length, 0);
    assert.equal((await current().client()).requests.length, 0);
    assert.equal(fake.messages.filter((m) => m.level === 'warning').length, 2);
  });

  it('Apply Refactoring… lists the server\'s code actions at the selection and applies the pick by rule id', async () => {
    fake.activeTextEditor = pythonEditor(FILE, [3, 8]);
    fake.pick = (items) => items[0];
    answers['orchex.applyRefactoring'] = { applied: true, title: 'Invert `if` into a guard clause' };
    await run('orchex.applyRefactoring');
    const client = await current().client();
    const range = { start: { line: 3, character: 8 }, end: { line: 3, character: 8 } };
    assert.deepEqual(client.requests[0], {
      method: 'textDocument/codeAction',
      params: { textDocument: { uri: URI }, range, context: { diagnostics: [], only: ['refactor'], triggerKind: 1 } },
    });
    const offered = (fake.quickPicks[0]?.items ?? []) as { label: string; description: string }[];
    assert.deepEqual(
      offered.map((i) => i.description),
      ['guard-clause', 'extract-function'],
    );
    assert.deepEqual(client.commands, [['orchex.applyRefactoring', [{ uri: URI, range, refactoring: 'guard-clause' }]]]);
    assert.equal(fake.messages.at(-1)?.text, 'orchex: Invert `if` into a guard clause');
  });

  it('Apply Refactoring… sends nothing when the pick is dismissed', async () => {
    fake.activeTextEditor = pythonEditor(FILE, [3, 8]);
    fake.pick = () => undefined;
    await run('orchex.applyRefactoring');
    assert.deepEqual((await current().client()).commands, []);
  });

  it('Show Report opens the JSON of the active file in an untitled editor', async () => {
    fake.activeTextEditor = pythonEditor(FILE, [0, 0]);
    answers['orchex.report'] = { path: 'pkg/core.py', functions: [] };
    await run('orchex.report');
    const client = await current().client();
    assert.deepEqual(client.commands, [['orchex.report', [URI]]]);
    const opened = fake.opened[0];
    assert.ok(opened);
    assert.equal(opened.languageId, 'json');
    assert.deepEqual(JSON.parse(opened.content ?? ''), { path: 'pkg/core.py', functions: [] });
    assert.equal(fake.shown[0], opened);
  });

  it('Show Report without a Python editor asks for the workspace\'s', async () => {
    await run('orchex.report');
    assert.deepEqual((await current().client()).commands, [['orchex.report', []]]);
  });

  it('Show Hotspots opens the picked file', async () => {
    answers['orchex.hotspots'] = [
      { path: 'pkg/core.py', commits: 12, score: 30.5, complexity: 14, root: '/work/project' },
      { path: 'pkg/util.py', commits: 3, score: 4, root: '/work/project' },
    ];
    fake.pick = (items) => items[1];
    await run('orchex.hotspots');
    const items = (fake.quickPicks[0]?.items ?? []) as { label: string; description: string }[];
    assert.deepEqual(items.map((i) => i.label), ['pkg/core.py', 'pkg/util.py']);
    assert.match(items[0]?.description ?? '', /score 30\.5 · 12 commits/);
    assert.equal((fake.shown[0] as { fsPath: string }).fsPath, '/work/project/pkg/util.py');
  });

  it('Analyze Workspace sums up, and its button opens the report', async () => {
    answers['orchex.analyzeWorkspace'] = { files: 12, score: 81.5, grade: 'B', findings: { OCX102: 2, OCX103: 1 } };
    answers['orchex.report'] = { summary: {} };
    fake.messageAnswer = (m) => m.items[0];
    await run('orchex.analyzeWorkspace');
    assert.equal(fake.messages[0]?.text, 'orchex: 12 files · score 81.5 (B) · findings: OCX102 ×2, OCX103 ×1');
    assert.deepEqual((await current().client()).commands.map((c) => c[0]), ['orchex.analyzeWorkspace', 'orchex.report']);
    assert.equal(fake.opened.length, 1);
  });

  it('Show Agent Status lists each agent with its health, the budget in the title', async () => {
    answers['orchex.agentStatus'] = {
      folders: [
        {
          folder: '/work/project',
          agents: [
            { name: 'primary', model: 'openai/gpt-x', tier: 1, health: 'ok', circuit: 'closed' },
            { name: 'backup', model: 'ollama/llama', tier: 2, health: 'unhealthy', unhealthy_reason: 'connection refused', circuit: 'open' },
          ],
          budget: { spent_today_usd: 0.5, daily_left_usd: 4.5 },
        },
      ],
      status: { agents: { healthy: 1, total: 2 } },
    };
    fake.pick = () => undefined;
    await run('orchex.agentStatus');
    const pick = fake.quickPicks[0];
    const items = (pick?.items ?? []) as { label: string; description: string; detail?: string }[];
    assert.deepEqual(items.map((i) => i.label), ['$(pass) primary', '$(error) backup']);
    assert.equal(items[1]?.detail, 'connection refused');
    assert.match((pick?.options as { title: string }).title, /2 agents · \$0\.5000 spent today · \$4\.5000 left today/);
  });

  it('Show Agent Status separates the folders of a multi-root workspace', async () => {
    answers['orchex.agentStatus'] = {
      folders: [
        { folder: '/work/api', agents: [{ name: 'builtin', health: 'ok' }], budget: { spent_today_usd: 0.25 } },
        { folder: '/work/web', agents: [{ name: 'builtin', health: 'ok' }, { name: 'gpt' }], budget: { spent_today_usd: 0.5 } },
      ],
    };
    fake.pick = () => undefined;
    await run('orchex.agentStatus');
    const pick = fake.quickPicks[0];
    const items = (pick?.items ?? []) as { label: string; kind?: number }[];
    assert.deepEqual(items.map((i) => i.label), ['api', '$(pass) builtin', 'web', '$(pass) builtin', '$(question) gpt']);
    assert.deepEqual(items.map((i) => i.kind), [-1, undefined, -1, undefined, undefined]);
    assert.equal((pick?.options as { title: string }).title, 'orchex: 3 agents · $0.7500 spent today');
  });

  it('Show AI Task History opens the picked task', async () => {
    const task = { id: 't1', status: 'succeeded', task_type: 'refactor', agent: 'builtin', cost_usd: 0, created_at: 1700000000 };
    answers['orchex.history'] = [task];
    await run('orchex.history');
    assert.deepEqual((await current().client()).commands, [['orchex.history', []]]);
    assert.deepEqual(JSON.parse(fake.opened[0]?.content ?? ''), task);
  });

  it('a command run during a restart goes to the new server', async () => {
    const first = await current().client();
    const restart = fake.commands.get('orchex.client.restartServer');
    assert.ok(restart);
    void restart();
    await run('orchex.history');
    const second = await current().client();
    assert.notEqual(second, first);
    assert.ok(first.stopped);
    assert.deepEqual(first.commands, []);
    assert.deepEqual(second.commands, [['orchex.history', []]]);
  });

  it('shows the server\'s error text when a command fails', async () => {
    answers['orchex.agentStatus'] = new Error("unknown command 'orchex.agentStatus'; known commands: orchex.report");
    await run('orchex.agentStatus');
    assert.deepEqual(fake.messages.at(-1), {
      level: 'error',
      text: "orchex: unknown command 'orchex.agentStatus'; known commands: orchex.report",
      items: [],
    });
  });
});

describe('commands run by the server\'s code lenses and code actions', () => {
  beforeEach(async () => {
    fake.reset();
    activated = await activate();
  });
  afterEach(() => {
    if (activated) {
      deactivate(activated);
    }
    activated = undefined;
  });

  function middleware() {
    const executeCommand = activated?.clients[0]?.spec.clientOptions.middleware?.executeCommand;
    assert.ok(executeCommand, 'no executeCommand middleware');
    return executeCommand;
  }

  it('shows the result of orchex.report from a code lens', async () => {
    const sent: unknown[][] = [];
    await middleware()('orchex.report', [URI], (_command, args) => {
      sent.push(args);
      return Promise.resolve({ path: 'pkg/core.py' });
    });
    assert.deepEqual(sent, [[URI]]);
    assert.equal(fake.opened.length, 1);
  });

  it('asks for the instruction when a Refactor with AI… action carries none', async () => {
    const sent: unknown[][] = [];
    const next = (_command: string, args: unknown[]) => {
      sent.push(args);
      return Promise.resolve({ applied: false, reason: 'x' });
    };
    const range = { start: { line: 1, character: 0 }, end: { line: 9, character: 0 } };
    fake.inputAnswers.push('inline the helper', undefined);
    await middleware()('orchex.refactorWithAI', [{ uri: URI, range }], next);
    await middleware()('orchex.refactorWithAI', [{ uri: URI, range }], next);
    await middleware()('orchex.refactorWithAI', [{ uri: URI, range, instruction: 'reduce complexity' }], next);
    assert.equal(fake.inputBoxes.length, 2);
    assert.deepEqual(sent, [
      [{ uri: URI, range, instruction: 'inline the helper' }],
      [{ uri: URI, range, instruction: 'reduce complexity' }],
    ]);
  });
});
