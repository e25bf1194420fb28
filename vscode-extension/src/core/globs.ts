// Which files are experiment files: globs from graft.toml and the `graftlab.experimentGlobs`
// setting, turned into a document selector. Pure (no `vscode` import) so it is unit-tested.
import { parse } from "smol-toml";

export const DEFAULT_EXPERIMENTS_DIR = "experiments";

export interface GraftToml {
  /** The `[graft] experiments` directory, relative to the repository root. */
  experimentsDir: string;
  /** Globs (relative to the repository root) of experiment files. */
  globs: string[];
  /** Set when graft.toml could not be read; the defaults are used then. */
  error?: string;
}

/** Strip `./`, turn backslashes into slashes and drop trailing slashes. */
export function normalizeGlob(glob: string): string {
  let g = glob.trim().replace(/\\/g, "/");
  while (g.startsWith("./")) g = g.slice(2);
  while (g.length > 1 && g.endsWith("/")) g = g.slice(0, -1);
  return g;
}

/** The glob of every Python file under an experiments directory. */
export function dirGlob(dir: string): string {
  const d = normalizeGlob(dir);
  return d === "" || d === "." ? "**/*.py" : `${d}/**/*.py`;
}

/**
 * Read the experiment globs from the text of a graft.toml. Missing text, a missing key or
 * invalid TOML give the default `experiments/**\/*.py` (with `error` set for invalid TOML).
 */
export function parseGraftToml(text: string | undefined): GraftToml {
  const fallback = (error?: string): GraftToml => ({
    experimentsDir: DEFAULT_EXPERIMENTS_DIR,
    globs: [dirGlob(DEFAULT_EXPERIMENTS_DIR)],
    ...(error ? { error } : {}),
  });
  if (text === undefined) return fallback();
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (e) {
    return fallback(`invalid graft.toml: ${(e as Error).message.split("\n")[0]}`);
  }
  const graft = data["graft"];
  if (typeof graft !== "object" || graft === null || Array.isArray(graft)) return fallback();
  const dir = (graft as Record<string, unknown>)["experiments"];
  if (dir === undefined) return fallback();
  if (typeof dir !== "string" || normalizeGlob(dir) === "") {
    return fallback("[graft] experiments must be a directory name");
  }
  const experimentsDir = normalizeGlob(dir);
  return { experimentsDir, globs: [dirGlob(experimentsDir)] };
}

/** graft.toml's globs, then the setting's, normalized, without duplicates or empty ones. */
export function mergeGlobs(fromToml: readonly string[], fromSetting: unknown): string[] {
  const extra = Array.isArray(fromSetting)
    ? fromSetting.filter((g): g is string => typeof g === "string")
    : [];
  const out: string[] = [];
  for (const g of [...fromToml, ...extra].map(normalizeGlob)) {
    if (g !== "" && !out.includes(g)) out.push(g);
  }
  return out;
}

/** Escape the glob metacharacters of a literal path (a workspace folder). */
export function escapeGlobPath(path: string): string {
  return path.replace(/\\/g, "/").replace(/[[\]{}*?]/g, (c) => `[${c}]`);
}

/** True when a glob is already absolute (starts at the file system root or a drive). */
export function isAbsoluteGlob(glob: string): boolean {
  return glob.startsWith("/") || /^[A-Za-z]:\//.test(glob) || glob.startsWith("**/");
}

export interface PythonFileFilter {
  scheme: "file";
  language: "python";
  pattern: string;
}

/**
 * The document selector: Python files on disk that match a glob under the folder. VS Code
 * matches a string pattern against the absolute path, so relative globs get the folder
 * prepended. The language stays "python": the Python extension keeps highlighting them.
 */
export function documentSelector(folder: string, globs: readonly string[]): PythonFileFilter[] {
  const base = escapeGlobPath(folder).replace(/\/+$/, "");
  return globs.map((g) => ({
    scheme: "file",
    language: "python",
    pattern: isAbsoluteGlob(g) ? g : `${base}/${g}`,
  }));
}
