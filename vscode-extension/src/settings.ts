/**
 * The `orchex` settings: which ones start the server, and which ones go to it.
 *
 * The server validates what it receives and tells the user about a bad value, so values are
 * forwarded as they are; only unset ones (null: "leave it to the project's file or the
 * server's default") are left out. Sending a default instead would let an editor value the
 * user never chose override `[tool.orchex]` under `configuration-preference: editor-first`.
 */

/** Read access to one configuration section (what `WorkspaceConfiguration` offers). */
export interface SettingsReader {
  get(key: string): unknown;
}

/** Settings that change how the server is started: a change restarts it. */
export const RESTART_KEYS = ['orchex.interpreter', 'orchex.serverArgs'] as const;

/** Threshold keys, as contributed under `orchex.thresholds.*` (the server takes camelCase). */
export const THRESHOLD_KEYS = [
  'cyclomatic',
  'cognitive',
  'nesting',
  'functionLines',
  'parameters',
  'maintainability',
  'duplicateLines',
  'fanOut',
  'hotspotDays',
] as const;

/** Keys read by the server itself; `interpreter`, `serverArgs` and `trace` are the client's. */
const SERVER_KEYS = ['debounceMs', 'configurationPreference'] as const;

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/**
 * The `orchex` section as the server reads it, for `initializationOptions.settings` and the
 * answer to `workspace/configuration`.
 */
export function serverSettings(config: SettingsReader): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SERVER_KEYS) {
    const value = config.get(key);
    if (isSet(value)) {
      out[key] = value;
    }
  }
  const thresholds: Record<string, unknown> = {};
  for (const key of THRESHOLD_KEYS) {
    const value = config.get(`thresholds.${key}`);
    if (isSet(value)) {
      thresholds[key] = value;
    }
  }
  if (Object.keys(thresholds).length > 0) {
    out.thresholds = thresholds;
  }
  return out;
}

/** How to start the server: `orchex.serverArgs` after `-m orchex_ls`. */
export function serverArgs(config: SettingsReader): string[] {
  const extra = config.get('serverArgs');
  const args = Array.isArray(extra) ? extra.filter((a): a is string => typeof a === 'string') : [];
  return ['-m', 'orchex_ls', ...args];
}
