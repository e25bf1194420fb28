// Which Python runs the language server: the `graftlab.interpreter` setting, then the
// Python extension's active environment, then `python3`. Pure; the sources are injected.
import * as path from "node:path";
import * as os from "node:os";

export interface InterpreterSource {
  /** Shown in the output channel: where the interpreter came from. */
  name: string;
  /** The interpreter, or undefined/empty when this source has none. May throw. */
  get(): Promise<string | undefined> | string | undefined;
}

export interface Resolved {
  python: string;
  source: string;
  /** Why earlier sources were skipped (errors thrown by them). */
  notes: string[];
}

export const FALLBACK_PYTHON = "python3";

/** The first source that yields an interpreter, else `python3`. */
export async function resolveInterpreter(
  sources: readonly InterpreterSource[],
  fallback: string = FALLBACK_PYTHON,
): Promise<Resolved> {
  const notes: string[] = [];
  for (const s of sources) {
    try {
      const value = await s.get();
      if (value && value.trim() !== "") return { python: value.trim(), source: s.name, notes };
    } catch (e) {
      notes.push(`${s.name}: ${(e as Error).message ?? String(e)}`);
    }
  }
  return { python: fallback, source: "default", notes };
}

/**
 * Expand the `graftlab.interpreter` setting: `${workspaceFolder}`, `${userHome}`,
 * `${env:NAME}` and a leading `~`; a relative path with a separator is taken relative to
 * the workspace folder, a bare command (`python3`) is left for PATH lookup.
 */
export function expandInterpreterSetting(
  value: string | undefined,
  workspaceFolder: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string | undefined {
  if (value === undefined) return undefined;
  let v = value.trim();
  if (v === "") return undefined;
  v = v.replace(/\$\{(workspaceFolder|userHome|env:([^}]+))\}/g, (m, what: string, name?: string) => {
    if (what === "workspaceFolder") return workspaceFolder ?? m;
    if (what === "userHome") return home;
    return env[name ?? ""] ?? "";
  });
  if (v === "~" || v.startsWith("~/")) v = path.join(home, v.slice(1));
  const hasSep = v.includes("/") || v.includes("\\");
  if (hasSep && !path.isAbsolute(v) && workspaceFolder) v = path.join(workspaceFolder, v);
  return v;
}

/** The minimal shape of the Python extension's environments API that we use. */
export interface PythonEnvironmentsApi {
  getActiveEnvironmentPath(resource?: unknown): { id?: string; path: string } | undefined;
  resolveEnvironment(
    env: { id?: string; path: string } | string,
  ): Promise<{ executable?: { uri?: { fsPath: string } } } | undefined>;
}

/** The executable of the Python extension's active environment, if it resolves to one. */
export async function pythonExtensionInterpreter(
  api: PythonEnvironmentsApi | undefined,
  resource?: unknown,
): Promise<string | undefined> {
  if (!api) return undefined;
  const active = api.getActiveEnvironmentPath(resource);
  if (!active || !active.path) return undefined;
  const env = await api.resolveEnvironment(active);
  return env?.executable?.uri?.fsPath || active.path;
}
