import './register-vscode';
import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { STATUS_NOTIFICATION, SHOW_OUTPUT, clientCommand } from '../src/ids';
import { describeStatus, parseStatus } from '../src/status';
import { activate, deactivate, type Activated } from './fakes';
import { fake, type FakeStatusBarItem } from './vscode-stub';

function item(): FakeStatusBarItem {
  const found = fake.statusItems[0];
  assert.ok(found, 'no status bar item');
  return found;
}

describe('status text', () => {
  it('shows agents healthy/total, tasks running and cost today', () => {
    const { text, tooltip } = describeStatus(
      parseStatus({ agents: { healthy: 2, total: 3 }, tasks: { running: 1 }, cost: { today_usd: 0.0421 } }),
    );
    assert.equal(text, '$(hubot) 2/3 · 1 running · $0.04');
    assert.match(tooltip, /2 of 3 agents healthy/);
    assert.match(tooltip, /1 task running/);
    assert.match(tooltip, /\$0\.0421 spent today/);
  });

  it('marks what a notification did not carry, and drops what is not a count', () => {
    assert.deepEqual(parseStatus({ agents: { healthy: '2', total: 3 }, tasks: null, cost: { today_usd: -1 } }), {
      agents: { healthy: undefined, total: 3 },
    });
    assert.deepEqual(parseStatus('garbage'), {});
    assert.equal(describeStatus({}).text, '$(hubot) ?/? · ? running · $?');
  });
});

describe('status bar item', () => {
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

  it('follows the orchex/status notification, and a click shows the agents', async () => {
    activated = await activate();
    const client = await activated.client();
    assert.equal(item().text, '$(hubot) orchex');
    client.notify(STATUS_NOTIFICATION, { agents: { healthy: 3, total: 3 }, tasks: { running: 0 }, cost: { today_usd: 0 } });
    assert.equal(item().text, '$(hubot) 3/3 · 0 running · $0.00');
    assert.equal(item().backgroundColor, undefined);
    assert.equal(item().command, clientCommand('orchex.agentStatus'));
    client.notify(STATUS_NOTIFICATION, { agents: { healthy: 1, total: 3 }, tasks: { running: 2 }, cost: { today_usd: 1.5 } });
    assert.equal(item().text, '$(hubot) 1/3 · 2 running · $1.50');
    assert.equal(item().backgroundColor?.id, 'statusBarItem.warningBackground');
  });

  it('keeps the parts a notification leaves out', async () => {
    activated = await activate();
    const client = await activated.client();
    client.notify(STATUS_NOTIFICATION, { agents: { healthy: 2, total: 2 }, tasks: { running: 1 }, cost: { today_usd: 0.25 } });
    client.notify(STATUS_NOTIFICATION, { tasks: { running: 0 } });
    assert.equal(item().text, '$(hubot) 2/2 · 0 running · $0.25');
  });

  it('says when the server is not running, and then a click shows the output', async () => {
    activated = await activate({ failStart: true });
    assert.equal(item().text, '$(error) orchex');
    assert.equal(item().command, SHOW_OUTPUT);
    const output = fake.channels.find((c) => c.name === 'orchex');
    assert.match(output?.lines.join('\n') ?? '', /did not start with python3.*orchex\.interpreter/s);
    await fake.commands.get('orchex.client.analyzeWorkspace')?.();
    assert.match(fake.messages.at(-1)?.text ?? '', /^orchex: the orchex server is not running; see "orchex: Show Output"/);
  });

  it('starts over after a restart, listening to the new client only', async () => {
    activated = await activate();
    const first = await activated.client();
    first.notify(STATUS_NOTIFICATION, { agents: { healthy: 1, total: 1 }, tasks: { running: 0 }, cost: { today_usd: 0 } });
    await fake.commands.get('orchex.client.restartServer')?.();
    const second = await activated.client();
    assert.notEqual(second, first);
    assert.equal(item().text, '$(hubot) orchex');
    first.notify(STATUS_NOTIFICATION, { agents: { healthy: 0, total: 1 } });
    assert.equal(item().text, '$(hubot) orchex');
    second.notify(STATUS_NOTIFICATION, { agents: { healthy: 0, total: 1 } });
    assert.equal(item().text, '$(hubot) 0/1 · ? running · $?');
  });
});
