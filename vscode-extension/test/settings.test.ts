import './register-vscode';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { expandPath, resolveInterpreter, type PythonExtensionApi } from '../src/interpreter';
import { answerConfiguration } from '../src/session';
import { THRESHOLD_KEYS, serverArgs, serverSettings } from '../src/settings';
import { activate, deactivate, type Activated } from './fakes';
import { EventEmitter, Uri, fake } from './vscode-stub';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown; type?: unknown }> } };
};
const properties = manifest.contributes.configuration.properties;

function reader(values: Record<string, unknown>) {
  return { get: (key: string): unknown => values[key] };
}

function noPython(): Promise<PythonExtensionApi | undefined> {
  return Promise.resolve(undefined);
}

function pythonApi(activePath: string | undefined, executable?: string): () => Promise<PythonExtensionApi> {
  return () =>
    Promise.resolve({
      environments: {
        getActiveEnvironmentPath: () => (activePath === undefined ? undefined : { id: 'env', path: activePath }),
        resolveEnvironment: () => Promise.resolve(executable === undefined ? undefined : { executable: { uri: { fsPath: executable } } }),
      },
    });
}

describe('contributed settings', () => {
  it('contributes the issue\'s settings and one threshold per server threshold', () => {
    for (const key of ['orchex.interpreter', 'orchex.serverArgs', 'orchex.trace.server', 'orchex.debounceMs', 'orchex.configurationPreference']) {
      assert.ok(key in properties, key);
    }
    const thresholds = Object.keys(properties)
      .filter((k) => k.startsWith('orchex.thresholds.'))
      .map((k) => k.slice('orchex.thresholds.'.length));
    assert.deepEqual(thresholds.sort(), [...THRESHOLD_KEYS].sort());
  });

  it('leaves server-side values unset by default, so the project file is not overridden', () => {
    for (const [key, schema] of Object.entries(properties)) {
      if (key.startsWith('orchex.thresholds.') || key === 'orchex.debounceMs') {
        assert.equal(schema.default, null, key);
      }
    }
  });
});

describe('settings sent to the server', () => {
  it('sends only the values that are set, camelCase as configured', () => {
    const sent = serverSettings(
      reader({
        debounceMs: 100,
        configurationPreference: 'editor-first',
        interpreter: '/usr/bin/python3',
        serverArgs: ['--log-level', 'DEBUG'],
        'thresholds.cognitive': 8,
        'thresholds.functionLines': null,
        'thresholds.fanOut': 20,
      }),
    );
    assert.deepEqual(sent, { debounceMs: 100, configurationPreference: 'editor-first', thresholds: { cognitive: 8, fanOut: 20 } });
  });

  it('passes a wrong value on for the server to refuse with its own message', () => {
    assert.deepEqual(serverSettings(reader({ debounceMs: 'soon' })), { debounceMs: 'soon' });
  });

  it('defaults to the configuration preference alone', () => {
    fake.reset();
    assert.deepEqual(serverSettings({ get: (key) => fake.settings.get(`orchex.${key}`) }), { configurationPreference: 'filesystem-first' });
  });

  it('starts `-m orchex_ls` with the extra arguments after it', () => {
    assert.deepEqual(serverArgs(reader({ serverArgs: ['--log-file', '/tmp/x.log'] })), ['-m', 'orchex_ls', '--log-file', '/tmp/x.log']);
    assert.deepEqual(serverArgs(reader({ serverArgs: 'not a list' })), ['-m', 'orchex_ls']);
  });

  it('answers workspace/configuration for `orchex` with the same settings, and others from the library', async () => {
    fake.reset();
    fake.settings.set('orchex.thresholds.nesting', 3);
    const answer = await answerConfiguration(
      { items: [{ section: 'orchex' }, { section: 'python' }] },
      {} as never,
      () => Promise.resolve([{ raw: true }, { analysis: 1 }]),
    );
    assert.deepEqual(answer, [{ configurationPreference: 'filesystem-first', thresholds: { nesting: 3 } }, { analysis: 1 }]);
  });
});

describe('interpreter resolution', () => {
  const log: string[] = [];
  const folder = Uri.file('/work/project') as never;

  it('takes orchex.interpreter first, even with the Python extension installed', async () => {
    const chosen = await resolveInterpreter('/opt/py/bin/python', pythonApi('/venv/bin/python', '/venv/bin/python'), folder, (m) => log.push(m));
    assert.deepEqual(chosen, { command: '/opt/py/bin/python', source: 'setting' });
  });

  it('expands ${workspaceFolder}, ${userHome} and ~ in the setting', async () => {
    const chosen = await resolveInterpreter('${workspaceFolder}/.venv/bin/python', noPython, folder, (m) => log.push(m));
    assert.equal(chosen.command, '/work/project/.venv/bin/python');
    assert.equal(expandPath('~/py/bin/python', undefined), path.join(os.homedir(), 'py/bin/python'));
    assert.equal(expandPath('${userHome}/py', undefined), `${os.homedir()}/py`);
  });

  it('then the Python extension\'s active environment, resolved to its executable', async () => {
    const chosen = await resolveInterpreter('', pythonApi('/venv', '/venv/bin/python'), folder, (m) => log.push(m));
    assert.deepEqual(chosen, { command: '/venv/bin/python', source: 'python extension' });
  });

  it('takes the environment path itself when it cannot be resolved', async () => {
    const chosen = await resolveInterpreter('  ', pythonApi('/venv/bin/python3'), folder, (m) => log.push(m));
    assert.deepEqual(chosen, { command: '/venv/bin/python3', source: 'python extension' });
  });

  it('then python3: no Python extension, no active environment, or a failing API', async () => {
    const fallback = { command: 'python3', source: 'default' };
    assert.deepEqual(await resolveInterpreter(undefined, noPython, folder, (m) => log.push(m)), fallback);
    assert.deepEqual(await resolveInterpreter(undefined, pythonApi(undefined), folder, (m) => log.push(m)), fallback);
    assert.deepEqual(await resolveInterpreter(undefined, () => Promise.resolve({}), folder, (m) => log.push(m)), fallback);
    log.length = 0;
    const broken = (): Promise<PythonExtensionApi> => Promise.reject(new Error('activation failed'));
    assert.deepEqual(await resolveInterpreter(undefined, broken, folder, (m) => log.push(m)), fallback);
    assert.match(log.join('\n'), /activation failed/);
  });
});

describe('settings in a running extension', () => {
  let activated: Activated | undefined;
  beforeEach(() => {
    fake.reset();
  });
  afterEach(() => {
    if (activated) {
      deactivate(activated);
    }
    activated = undefined;
  });

  it('starts the server with the interpreter and arguments from the settings', async () => {
    fake.settings.set('orchex.interpreter', '/opt/py/bin/python');
    fake.settings.set('orchex.serverArgs', ['--log-level', 'DEBUG']);
    fake.settings.set('orchex.thresholds.cognitive', 9);
    activated = await activate();
    const { serverOptions, clientOptions } = (await activated.client()).spec;
    assert.equal(serverOptions.command, '/opt/py/bin/python');
    assert.deepEqual(serverOptions.args, ['-m', 'orchex_ls', '--log-level', 'DEBUG']);
    assert.equal(serverOptions.options?.cwd, '/ext/orchex');
    assert.deepEqual(clientOptions.initializationOptions, {
      settings: { configurationPreference: 'filesystem-first', thresholds: { cognitive: 9 } },
    });
    assert.deepEqual(clientOptions.documentSelector, [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
    ]);
  });

  it('uses the Python extension\'s environment when it is installed and nothing is configured', async () => {
    let activations = 0;
    fake.extensions.set('ms-python.python', {
      isActive: false,
      exports: undefined,
      activate: async () => {
        activations += 1;
        return (await pythonApi('/venv', '/venv/bin/python')());
      },
    });
    activated = await activate();
    assert.equal((await activated.client()).spec.serverOptions.command, '/venv/bin/python');
    assert.ok(activations >= 1);
  });

  it('restarts when the Python extension\'s active environment changes, unless a setting chose the interpreter', async () => {
    const changed = new EventEmitter<unknown>();
    let executable = '/venv-a/bin/python';
    fake.extensions.set('ms-python.python', {
      isActive: true,
      exports: {
        environments: {
          getActiveEnvironmentPath: () => ({ id: 'env', path: executable }),
          onDidChangeActiveEnvironmentPath: changed.event,
        },
      },
    });
    activated = await activate();
    await new Promise((resolve) => setImmediate(resolve)); // the watcher subscribes
    executable = '/venv-b/bin/python';
    changed.fire({});
    assert.equal((await activated.client()).spec.serverOptions.command, '/venv-b/bin/python');
    assert.equal(activated.clients.length, 2);

    fake.changeSettings({ 'orchex.interpreter': '/pinned/python' });
    await activated.client();
    changed.fire({});
    await activated.client();
    assert.equal(activated.clients.length, 3);
    assert.equal((await activated.client()).spec.serverOptions.command, '/pinned/python');
  });

  it('starts python3 without a setting or the Python extension', async () => {
    activated = await activate();
    assert.equal((await activated.client()).spec.serverOptions.command, 'python3');
  });

  it('restarts the server when the interpreter or the server arguments change', async () => {
    activated = await activate();
    const first = await activated.client();
    fake.changeSettings({ 'orchex.interpreter': '/other/python' });
    const second = await activated.client();
    assert.notEqual(second, first);
    assert.ok(first.stopped);
    assert.equal(second.spec.serverOptions.command, '/other/python');
    fake.changeSettings({ 'orchex.serverArgs': ['--log-level', 'INFO'] });
    const third = await activated.client();
    assert.notEqual(third, second);
    assert.deepEqual(third.spec.serverOptions.args, ['-m', 'orchex_ls', '--log-level', 'INFO']);
  });

  it('forwards other changes without a restart', async () => {
    activated = await activate();
    const client = await activated.client();
    fake.changeSettings({ 'orchex.thresholds.nesting': 2 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(activated.clients.length, 1);
    assert.deepEqual(client.notifications, [
      {
        method: 'workspace/didChangeConfiguration',
        params: { settings: { orchex: { configurationPreference: 'filesystem-first', thresholds: { nesting: 2 } } } },
      },
    ]);
  });

  it('ignores changes of other extensions\' settings', async () => {
    activated = await activate();
    const client = await activated.client();
    fake.changeSettings({ 'python.analysis.typeCheckingMode': 'strict' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(activated.clients.length, 1);
    assert.deepEqual(client.notifications, []);
  });
});
