/**
 * A stand-in for the `vscode` module (register-vscode.ts routes `require('vscode')` here):
 * the API surface the extension uses, recording what it is asked to do, with `fake` to set
 * up answers (settings, input box, quick pick, message buttons) and read what happened.
 * Settings default to the values package.json contributes, as in VS Code.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

type Listener<T> = (value: T) => unknown;

export class Disposable {
  constructor(private readonly onDispose: () => unknown = () => undefined) {}
  dispose(): void {
    this.onDispose();
  }
}

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      listener(value);
    }
  }
  get size(): number {
    return this.listeners.length;
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
    private readonly text: string,
  ) {}
  static file(fsPath: string): Uri {
    return new Uri('file', fsPath, `file://${encodeURI(fsPath)}`);
  }
  static parse(text: string): Uri {
    const scheme = text.slice(0, text.indexOf(':'));
    return new Uri(scheme, scheme === 'file' ? decodeURI(text.slice('file://'.length)) : text, text);
  }
  toString(): string {
    return this.text;
  }
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}

export enum QuickPickItemKind {
  Separator = -1,
  Default = 0,
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export interface FakeStatusBarItem {
  id: string;
  alignment: StatusBarAlignment;
  priority: number | undefined;
  name?: string;
  text: string;
  tooltip?: string;
  command?: string;
  backgroundColor?: ThemeColor;
  visible: boolean;
  show(): void;
  hide(): void;
  dispose(): void;
}

export interface FakeOutputChannel {
  name: string;
  lines: string[];
  shown: number;
  appendLine(line: string): void;
  append(text: string): void;
  show(preserveFocus?: boolean): void;
  dispose(): void;
}

export interface FakeDocument {
  uri: Uri;
  languageId: string;
  content?: string;
}

export interface Message {
  level: 'information' | 'warning' | 'error';
  text: string;
  items: string[];
}

interface QuickPickCall {
  items: unknown[];
  options: unknown;
}

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};

function contributedDefaults(): Map<string, unknown> {
  const defaults = new Map<string, unknown>();
  for (const [key, schema] of Object.entries(manifest.contributes.configuration.properties)) {
    defaults.set(key, schema.default);
  }
  return defaults;
}

const configurationChanged = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();

/** Test control: set answers, read what the extension did. */
export const fake = {
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  statusItems: [] as FakeStatusBarItem[],
  channels: [] as FakeOutputChannel[],
  messages: [] as Message[],
  opened: [] as FakeDocument[],
  shown: [] as unknown[],
  inputBoxes: [] as unknown[],
  quickPicks: [] as QuickPickCall[],
  configurationRequests: [] as { section: string | undefined; scope: unknown }[],
  settings: new Map<string, unknown>(),
  extensions: new Map<string, unknown>(),
  /** The next answers of `showInputBox` (undefined = the user pressed Escape). */
  inputAnswers: [] as (string | undefined)[],
  /** Picks an item of a quick pick (by default the first); undefined = dismissed. */
  pick: (items: unknown[]): unknown => items[0],
  /** The button a message answers with (by default none). */
  messageAnswer: (_message: Message): string | undefined => undefined,
  activeTextEditor: undefined as unknown,
  workspaceFolders: undefined as { uri: Uri; name: string; index: number }[] | undefined,

  reset(): void {
    for (const list of [this.statusItems, this.channels, this.messages, this.opened, this.shown, this.inputBoxes, this.quickPicks, this.configurationRequests, this.inputAnswers]) {
      list.length = 0;
    }
    this.commands.clear();
    this.extensions.clear();
    this.settings = contributedDefaults();
    this.pick = (items) => items[0];
    this.messageAnswer = () => undefined;
    this.activeTextEditor = undefined;
    this.workspaceFolders = undefined;
  },

  /** Change settings (full keys, e.g. `orchex.interpreter`) and fire the change event. */
  changeSettings(changes: Record<string, unknown>): void {
    const keys = Object.keys(changes);
    for (const key of keys) {
      this.settings.set(key, changes[key]);
    }
    configurationChanged.fire({
      affectsConfiguration: (section: string) => keys.some((key) => key === section || key.startsWith(`${section}.`)),
    });
  },

  get configurationListeners(): number {
    return configurationChanged.size;
  },
};
fake.reset();

export const commands = {
  registerCommand(id: string, handler: (...args: unknown[]) => unknown): Disposable {
    if (fake.commands.has(id)) {
      throw new Error(`command '${id}' already exists`);
    }
    fake.commands.set(id, handler);
    return new Disposable(() => fake.commands.delete(id));
  },
  executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
    const handler = fake.commands.get(id);
    if (!handler) {
      return Promise.reject(new Error(`command '${id}' not found`));
    }
    return Promise.resolve(handler(...args));
  },
};

function message(level: Message['level']) {
  return (text: string, ...items: string[]): Promise<string | undefined> => {
    const record = { level, text, items };
    fake.messages.push(record);
    return Promise.resolve(fake.messageAnswer(record));
  };
}

export const window = {
  createStatusBarItem(id: string, alignment: StatusBarAlignment, priority?: number): FakeStatusBarItem {
    const item: FakeStatusBarItem = {
      id,
      alignment,
      priority,
      text: '',
      visible: false,
      show() {
        item.visible = true;
      },
      hide() {
        item.visible = false;
      },
      dispose() {
        item.visible = false;
      },
    };
    fake.statusItems.push(item);
    return item;
  },
  createOutputChannel(name: string): FakeOutputChannel {
    const channel: FakeOutputChannel = {
      name,
      lines: [],
      shown: 0,
      appendLine(line) {
        channel.lines.push(line);
      },
      append(text) {
        channel.lines.push(text);
      },
      show() {
        channel.shown += 1;
      },
      dispose() {
        return undefined;
      },
    };
    fake.channels.push(channel);
    return channel;
  },
  showInputBox(options: unknown): Promise<string | undefined> {
    fake.inputBoxes.push(options);
    return Promise.resolve(fake.inputAnswers.shift());
  },
  showQuickPick(items: unknown[], options: unknown): Promise<unknown> {
    fake.quickPicks.push({ items, options });
    return Promise.resolve(fake.pick(items));
  },
  showInformationMessage: message('information'),
  showWarningMessage: message('warning'),
  showErrorMessage: message('error'),
  showTextDocument(document: unknown): Promise<unknown> {
    fake.shown.push(document);
    return Promise.resolve({ document });
  },
  get activeTextEditor(): unknown {
    return fake.activeTextEditor;
  },
};

export const workspace = {
  getConfiguration(section?: string, scope?: unknown) {
    fake.configurationRequests.push({ section, scope });
    const prefix = section ? `${section}.` : '';
    return {
      get(key: string): unknown {
        return fake.settings.get(prefix + key);
      },
    };
  },
  onDidChangeConfiguration: configurationChanged.event,
  get workspaceFolders() {
    return fake.workspaceFolders;
  },
  openTextDocument(options: { language: string; content: string }): Promise<FakeDocument> {
    const document = { uri: Uri.parse(`untitled:Untitled-${fake.opened.length + 1}`), languageId: options.language, content: options.content };
    fake.opened.push(document);
    return Promise.resolve(document);
  },
};

export const extensions = {
  getExtension(id: string): unknown {
    return fake.extensions.get(id);
  },
};
