/**
 * The status bar item: the server's state until the first `orchex/status` notification,
 * then agents healthy/total, tasks running and today's cost. A click shows the agents.
 */
import * as vscode from 'vscode';
import { SHOW_OUTPUT, clientCommand } from './ids';

/** The `orchex/status` parameters; each part may be missing from a given notification. */
export interface OrchexStatus {
  agents?: { healthy?: number; total?: number };
  tasks?: { running?: number };
  cost?: { today_usd?: number };
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function part(params: unknown, key: string): Record<string, unknown> {
  if (typeof params !== 'object' || params === null) {
    return {};
  }
  const value = (params as Record<string, unknown>)[key];
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** The fields of a notification that are numbers; anything else is left out, never thrown. */
export function parseStatus(params: unknown): OrchexStatus {
  const agents = part(params, 'agents');
  const tasks = part(params, 'tasks');
  const cost = part(params, 'cost');
  const status: OrchexStatus = {};
  const healthy = count(agents.healthy);
  const total = count(agents.total);
  if (healthy !== undefined || total !== undefined) {
    status.agents = { healthy, total };
  }
  const running = count(tasks.running);
  if (running !== undefined) {
    status.tasks = { running };
  }
  const today = count(cost.today_usd);
  if (today !== undefined) {
    status.cost = { today_usd: today };
  }
  return status;
}

export function formatUsd(value: number, digits = 2): string {
  return `$${value.toFixed(digits)}`;
}

/** Text and tooltip for a status; a part the server has not sent shows as `?`. */
export function describeStatus(status: OrchexStatus): { text: string; tooltip: string } {
  const healthy = status.agents?.healthy;
  const total = status.agents?.total;
  const running = status.tasks?.running;
  const today = status.cost?.today_usd;
  const show = (n: number | undefined): string => (n === undefined ? '?' : String(n));
  const text = `$(hubot) ${show(healthy)}/${show(total)} · ${show(running)} running · ${
    today === undefined ? '$?' : formatUsd(today)
  }`;
  const tooltip = [
    `orchex: ${show(healthy)} of ${show(total)} agents healthy`,
    `${show(running)} task${running === 1 ? '' : 's'} running`,
    `${today === undefined ? 'unknown' : formatUsd(today, 4)} spent today`,
    'Click to show the agents.',
  ].join('\n');
  return { text, tooltip };
}

export type ServerState = 'starting' | 'running' | 'stopped';

export class StatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private status: OrchexStatus | undefined;
  private state: ServerState = 'starting';

  constructor() {
    this.item = vscode.window.createStatusBarItem('orchex.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'orchex';
    this.render();
    this.item.show();
  }

  /** The server started, stopped or is starting again; a restart forgets the old status. */
  setState(state: ServerState): void {
    this.state = state;
    if (state !== 'running') {
      this.status = undefined;
    }
    this.render();
  }

  /** An `orchex/status` notification: its parts replace the ones shown. */
  update(params: unknown): void {
    const next = parseStatus(params);
    this.status = {
      agents: next.agents ?? this.status?.agents,
      tasks: next.tasks ?? this.status?.tasks,
      cost: next.cost ?? this.status?.cost,
    };
    this.render();
  }

  private render(): void {
    const item = this.item;
    item.backgroundColor = undefined;
    if (this.state === 'stopped') {
      item.text = '$(error) orchex';
      item.tooltip = 'orchex: the server is not running. Click to show its output.';
      item.command = SHOW_OUTPUT;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      return;
    }
    item.command = clientCommand('orchex.agentStatus');
    if (this.state === 'starting') {
      item.text = '$(sync~spin) orchex';
      item.tooltip = 'orchex: starting the server';
      return;
    }
    if (this.status === undefined) {
      item.text = '$(hubot) orchex';
      item.tooltip = 'orchex: the server is running. Click to show the agents.';
      return;
    }
    const { text, tooltip } = describeStatus(this.status);
    item.text = text;
    item.tooltip = tooltip;
    const healthy = this.status.agents?.healthy;
    const total = this.status.agents?.total;
    if (healthy !== undefined && total !== undefined && healthy < total) {
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
