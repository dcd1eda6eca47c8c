/**
 * Showing the server's answers: messages, quick picks and untitled JSON editors. Results are
 * read defensively: a field the server does not send (yet) is skipped, never thrown on.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatUsd } from './status';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Any JSON answer in an untitled JSON editor. */
export async function showJson(value: unknown): Promise<void> {
  const document = await vscode.workspace.openTextDocument({
    language: 'json',
    content: JSON.stringify(value, null, 2) + '\n',
  });
  await vscode.window.showTextDocument(document, { preview: false });
}

/** `orchex.analyzeWorkspace`: one line; true when the user asks for the full report. */
export async function showAnalysis(result: unknown): Promise<boolean> {
  if (!isObject(result)) {
    await showJson(result);
    return false;
  }
  const findings = isObject(result.findings) ? result.findings : {};
  const counts = Object.entries(findings)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0)
    .map(([code, n]) => `${code} ×${n}`);
  const files = num(result.files);
  const score = num(result.score);
  const grade = text(result.grade);
  const parts = [
    files === undefined ? undefined : `${files} file${files === 1 ? '' : 's'}`,
    score === undefined ? undefined : `score ${score}${grade ? ` (${grade})` : ''}`,
    counts.length > 0 ? `findings: ${counts.join(', ')}` : 'no findings',
  ].filter((p): p is string => p !== undefined);
  const choice = await vscode.window.showInformationMessage(`orchex: ${parts.join(' · ')}`, 'Show Report');
  return choice === 'Show Report';
}

interface HotspotItem extends vscode.QuickPickItem {
  file: vscode.Uri;
}

/** `orchex.hotspots`: a quick pick; the chosen file opens. */
export async function pickHotspot(result: unknown): Promise<void> {
  const items: HotspotItem[] = [];
  for (const hotspot of Array.isArray(result) ? result : []) {
    const file = isObject(hotspot) ? text(hotspot.path) : undefined;
    if (!isObject(hotspot) || file === undefined) {
      continue;
    }
    const root = text(hotspot.root);
    const absolute = path.isAbsolute(file) || root === undefined ? file : path.join(root, file);
    const details = [
      num(hotspot.score) === undefined ? undefined : `score ${num(hotspot.score)}`,
      num(hotspot.commits) === undefined ? undefined : `${num(hotspot.commits)} commits`,
      num(hotspot.complexity) === undefined ? undefined : `complexity ${num(hotspot.complexity)}`,
      num(hotspot.authors) === undefined ? undefined : `${num(hotspot.authors)} authors`,
    ].filter((p): p is string => p !== undefined);
    items.push({ label: file, description: details.join(' · '), file: vscode.Uri.file(absolute) });
  }
  if (items.length === 0) {
    await vscode.window.showInformationMessage('orchex: no hotspots (is the workspace a git repository?)');
    return;
  }
  const chosen = await vscode.window.showQuickPick(items, {
    title: 'orchex: hotspots (churn × complexity)',
    placeHolder: 'Open a file',
    matchOnDescription: true,
  });
  if (chosen) {
    await vscode.window.showTextDocument(chosen.file);
  }
}

function agentHealthy(agent: Json): boolean | undefined {
  if (typeof agent.healthy === 'boolean') {
    return agent.healthy;
  }
  return typeof agent.health === 'string' ? agent.health === 'ok' : undefined;
}

/** Each workspace folder's agents and budget: the server answers `{folders: [{folder,
 * agents, budget}], status}`; a plain `{agents, budget}` is read as one folder. */
function agentGroups(result: unknown): { folder?: string; agents: Json[]; budget: Json }[] {
  if (!isObject(result)) {
    return [];
  }
  const groups = Array.isArray(result.folders) ? result.folders.filter(isObject) : [result];
  return groups.map((group) => ({
    folder: text(group.folder),
    agents: Array.isArray(group.agents) ? group.agents.filter(isObject) : [],
    budget: isObject(group.budget) ? group.budget : {},
  }));
}

/** `orchex.agentStatus`: one line per agent, today's spending in the title; a pick opens the JSON. */
export async function showAgents(result: unknown): Promise<void> {
  const groups = agentGroups(result);
  const items: vscode.QuickPickItem[] = [];
  let spent: number | undefined;
  for (const group of groups) {
    if (groups.length > 1 && group.folder !== undefined) {
      items.push({ label: path.basename(group.folder), kind: vscode.QuickPickItemKind.Separator });
    }
    for (const agent of group.agents) {
      const healthy = agentHealthy(agent);
      const icon = healthy === false ? '$(error)' : healthy === true ? '$(pass)' : '$(question)';
      const circuit = text(agent.circuit);
      const tier = num(agent.tier);
      items.push({
        label: `${icon} ${text(agent.name) ?? '?'}`,
        description: [text(agent.model), tier === undefined ? undefined : `tier ${tier}`, circuit && `circuit ${circuit}`]
          .filter((p): p is string => typeof p === 'string')
          .join(' · '),
        detail: text(agent.unhealthy_reason),
      });
    }
    const today = num(group.budget.spent_today_usd);
    if (today !== undefined) {
      spent = (spent ?? 0) + today;
    }
  }
  const left = groups.length === 1 ? num(groups[0]?.budget.daily_left_usd) : undefined;
  const count = items.filter((i) => i.kind !== vscode.QuickPickItemKind.Separator).length;
  const title = [
    `orchex: ${count} agent${count === 1 ? '' : 's'}`,
    spent === undefined ? undefined : `${formatUsd(spent, 4)} spent today`,
    left === undefined ? undefined : `${formatUsd(left, 4)} left today`,
  ]
    .filter((p): p is string => p !== undefined)
    .join(' · ');
  const chosen = await vscode.window.showQuickPick(items, { title, placeHolder: 'Pick one to open the full status as JSON' });
  if (chosen) {
    await showJson(result);
  }
}

interface TaskItem extends vscode.QuickPickItem {
  task: unknown;
}

function when(value: unknown): string | undefined {
  const seconds = num(value);
  if (seconds !== undefined) {
    return new Date(seconds * 1000).toLocaleString();
  }
  return text(value);
}

/** `orchex.history`: the tasks, newest first as the server sends them; a pick opens one. */
export async function pickTask(result: unknown): Promise<void> {
  const items: TaskItem[] = (Array.isArray(result) ? result : []).filter(isObject).map((task) => {
    const cost = num(task.cost_usd);
    return {
      label: `${text(task.status) ?? '?'} · ${text(task.task_type) ?? 'task'}`,
      description: [text(task.agent), cost === undefined ? undefined : formatUsd(cost, 4), when(task.created_at)]
        .filter((p): p is string => p !== undefined)
        .join(' · '),
      detail: text(task.reason) ?? text(task.path),
      task,
    };
  });
  if (items.length === 0) {
    await vscode.window.showInformationMessage('orchex: no AI tasks yet');
    return;
  }
  const chosen = await vscode.window.showQuickPick(items, { title: 'orchex: task history', placeHolder: 'Open a task as JSON' });
  if (chosen) {
    await showJson(chosen.task);
  }
}

/**
 * `orchex.applyRefactoring` and `orchex.refactorWithAI`: a line when an edit was applied. A
 * refusal is not repeated here: the server tells the user itself (`window/showMessage`, or
 * the escalation dialog), and a cancelled or declined edit was the user's own doing.
 */
export async function showEditOutcome(command: 'orchex.applyRefactoring' | 'orchex.refactorWithAI', result: unknown): Promise<void> {
  if (!isObject(result) || result.applied !== true) {
    return;
  }
  const title = text(result.title);
  if (title !== undefined) {
    // The AI title already names the agent, the cost and the metric change.
    await vscode.window.showInformationMessage(`orchex: ${title}`);
    return;
  }
  const cost = num(result.cost_usd);
  const by = [text(result.agent) && `by ${text(result.agent)}`, cost === undefined ? undefined : formatUsd(cost, 4)]
    .filter((p): p is string => typeof p === 'string')
    .join(', ');
  const what = command === 'orchex.refactorWithAI' ? 'AI refactoring' : 'refactoring';
  await vscode.window.showInformationMessage(`orchex: applied ${what}${by ? ` (${by})` : ''}`);
}
