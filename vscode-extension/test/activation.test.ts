import './register-vscode';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { SERVER_COMMANDS, allClientCommands, clientCommand } from '../src/ids';
import { activate, deactivate, type Activated } from './fakes';
import { fake } from './vscode-stub';

interface Manifest {
  main: string;
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string }[]>;
  };
}

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as Manifest;
const contributed = manifest.contributes.commands.map((c) => c.command);

describe('activation', () => {
  let activated: Activated | undefined;
  afterEach(() => {
    if (activated) {
      deactivate(activated);
    }
    activated = undefined;
  });

  it('registers every command the palette contributes, and no other', async () => {
    activated = await activate();
    assert.deepEqual([...fake.commands.keys()].sort(), [...contributed].sort());
    assert.deepEqual([...contributed].sort(), allClientCommands().sort());
  });

  it('wraps every server command, under an id the library will not register', async () => {
    activated = await activate();
    for (const server of SERVER_COMMANDS) {
      assert.ok(fake.commands.has(clientCommand(server)), `${server} has no palette command`);
      // vscode-languageclient registers the server's ids itself once the server lists them.
      assert.ok(!fake.commands.has(server), `${server} is registered by the client: it would clash`);
    }
  });

  it('titles the palette entries as the issue names them', () => {
    const titles = new Map(manifest.contributes.commands.map((c) => [c.command, c.title]));
    assert.equal(titles.get(clientCommand('orchex.refactorWithAI')), 'Refactor with AI…');
    assert.equal(titles.get('orchex.client.restartServer'), 'Restart Server');
    for (const command of manifest.contributes.commands) {
      assert.equal(command.category, 'orchex', command.command);
    }
  });

  it('menus name only contributed commands', () => {
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) {
        assert.ok(contributed.includes(entry.command), `${menu}: ${entry.command} is not contributed`);
      }
    }
  });

  it('activates on Python files and on workspaces with pyproject.toml', () => {
    assert.ok(manifest.activationEvents.includes('onLanguage:python'));
    assert.ok(manifest.activationEvents.includes('workspaceContains:pyproject.toml'));
    assert.equal(manifest.main, './dist/extension.js');
  });

  it('starts one server and shows a status bar item', async () => {
    activated = await activate();
    assert.equal(activated.clients.length, 1);
    assert.ok((await activated.client()).started);
    assert.equal(fake.statusItems.length, 1);
    assert.ok(fake.statusItems[0]?.visible);
  });

  it('puts everything it creates into the context, so VS Code disposes it', async () => {
    activated = await activate();
    const registered = fake.commands.size;
    assert.ok(registered > 0);
    for (const subscription of activated.context.subscriptions) {
      subscription.dispose();
    }
    assert.equal(fake.commands.size, 0);
    assert.equal(fake.configurationListeners, 0);
    assert.equal(fake.statusItems[0]?.visible, false);
  });
});
