// Argument lists for the graft CLI and the language server, and shell quoting for the
// terminal. Pure. The CLI is run as `<python> -m graftlab.cli` (the same as `graft`) so that
// it is always the interpreter's own graftlab, whatever is on PATH.

export const CLI = ["-m", "graftlab.cli"];

/**
 * The program and leading arguments that run `graft` for an interpreter: the `graft` script
 * next to it when there is one (a virtual environment's bin/ or Scripts/), else
 * `<python> -m graftlab.cli`. `args` of the builders below start with `-m graftlab.cli`;
 * `graftInvocation` swaps that prefix for the script.
 */
export function graftInvocation(
  python: string,
  args: readonly string[],
  exists: (p: string) => boolean,
  platform: string = process.platform,
): { program: string; args: string[] } {
  const rest = args[0] === CLI[0] && args[1] === CLI[1] ? args.slice(2) : undefined;
  const sep = platform === "win32" ? "\\" : "/";
  const cut = Math.max(python.lastIndexOf("/"), platform === "win32" ? python.lastIndexOf("\\") : -1);
  if (rest !== undefined && cut > 0) {
    const script = `${python.slice(0, cut)}${sep}${platform === "win32" ? "graft.exe" : "graft"}`;
    if (exists(script)) return { program: script, args: rest };
  }
  return { program: python, args: [...args] };
}

/**
 * `<python> -P -m graftlab_lsp --stdio [--trusted] [extra...]` (the same as `graft lsp
 * --stdio`). `-P`: the working directory (the workspace) is not put on `sys.path`, so a
 * workspace file named `graftlab_lsp.py` never runs in place of the server.
 */
export function serverArgs(extra: readonly string[] = []): string[] {
  return ["-P", "-m", "graftlab_lsp", "--stdio", ...extra];
}

/** Arguments that exit 0 iff graftlab's language server is importable (isolated as above). */
export function importCheckArgs(): string[] {
  return ["-P", "-c", "import graftlab_lsp"];
}

/** `<python> -P -m graftlab_lsp --version`: prints `graftlab-lsp VERSION`. */
export function versionArgs(): string[] {
  return ["-P", "-m", "graftlab_lsp", "--version"];
}

/** `graft run NAME` (the experiment name, or the file when it has none). */
export function runArgs(nameOrFile: string): string[] {
  return [...CLI, "run", nameOrFile];
}

/** `graft show FILE --materialized`. */
export function showArgs(file: string): string[] {
  return [...CLI, "show", file, "--materialized"];
}

/** `graft diff REV:relpath relpath` (relpath relative to the repository root, the cwd). */
export function diffArgs(rev: string, relpath: string): string[] {
  return [...CLI, "diff", `${rev}:${relpath}`, relpath];
}

/** A revision typed by the user, trimmed; undefined when empty or not a plausible ref. */
export function cleanRevision(input: string | undefined): string | undefined {
  const rev = (input ?? "").trim();
  if (rev === "" || /\s/.test(rev) || rev.includes(":") || rev.startsWith("-")) return undefined;
  return rev;
}

/** Quick-pick revisions: HEAD and its parent, then refs from `git for-each-ref` output. */
export function revisionChoices(forEachRefOutput: string): string[] {
  const out = ["HEAD", "HEAD~1"];
  for (const line of forEachRefOutput.split(/\r?\n/)) {
    const ref = line.trim();
    if (ref !== "" && !ref.startsWith("graft/runs/") && !ref.endsWith("/HEAD") && !out.includes(ref)) {
      out.push(ref);
    }
  }
  return out;
}

export type ShellKind = "posix" | "powershell" | "cmd";

/** Guess the kind of a shell from its path (VS Code's `env.shell`). */
export function shellKind(shell: string | undefined, platform: string = process.platform): ShellKind {
  const s = (shell ?? "").toLowerCase();
  if (s.includes("pwsh") || s.includes("powershell")) return "powershell";
  if (s.endsWith("cmd.exe") || s === "cmd") return "cmd";
  if (s === "" && platform === "win32") return "powershell";
  return "posix";
}

function quoteOne(arg: string, kind: ShellKind): string {
  if (kind === "posix") {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
  }
  if (kind === "powershell") {
    return /^[A-Za-z0-9_@+=:,./\\-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "''")}'`;
  }
  return /^[A-Za-z0-9_@+=:,./\\-]+$/.test(arg) ? arg : `"${arg.replace(/"/g, '""')}"`;
}

/** A command line for a terminal: the program and its arguments, quoted for the shell. */
export function commandLine(program: string, args: readonly string[], kind: ShellKind): string {
  const parts = [program, ...args].map((a) => quoteOne(a, kind));
  // PowerShell needs the call operator to run a quoted program path.
  return kind === "powershell" && parts[0]!.startsWith("'") ? `& ${parts.join(" ")}` : parts.join(" ");
}

/** The `graftlab.lastRunError` answer, as the client uses it. */
export interface RunError {
  file?: string;
  line?: number;
  column?: number;
  end_line?: number;
  end_column?: number;
  message?: string;
  type?: string;
  path?: string;
  run?: string;
}

/** Zero-based editor range of a run error (the server's line and column are one-based). */
export function runErrorRange(err: RunError): { line: number; column: number; endLine: number; endColumn: number } {
  const line = Math.max(0, (Number(err.line) || 1) - 1);
  const column = Math.max(0, (Number(err.column) || 1) - 1);
  const endLine = Math.max(line, (Number(err.end_line) || Number(err.line) || 1) - 1);
  let endColumn = Math.max(0, (Number(err.end_column) || 0) - 1);
  if (endLine === line && endColumn <= column) endColumn = column + 1;
  return { line, column, endLine, endColumn };
}

/** One line describing a run error, for a notification. */
export function runErrorSummary(err: RunError): string {
  const where = err.path ? ` at ${err.path}` : "";
  const run = err.run ? `Run ${err.run}` : "The last run";
  return `${run} failed${where}: ${err.type ?? "error"}: ${err.message ?? ""}`.trim();
}

/**
 * The document a server command is about: every graftlab server command takes the document's
 * URI first -- a string (`"file:///..."`), an object with `uri` (a `vscode.Uri` has
 * `toString()`), possibly wrapped in a list. `undefined` when the arguments name none. The
 * extension uses it to send the command to the server of that document's workspace folder.
 */
export function commandTargetUri(args: readonly unknown[]): string | undefined {
  let target: unknown = args[0];
  if (Array.isArray(target)) target = target[0];
  if (typeof target === "string") return target;
  if (target && typeof target === "object") {
    const inner = (target as { uri?: unknown }).uri;
    if (typeof inner === "string") return inner;
    if (inner && typeof inner === "object") return String(inner);
    if ("scheme" in target && "path" in target) return String(target);
  }
  return undefined;
}

/** Arguments as JSON for the server: `vscode.Uri`s (objects with a scheme) become strings. */
export function commandArgsForServer(args: readonly unknown[]): unknown[] {
  return args.map((a) => (a && typeof a === "object" && "scheme" in a && "path" in a ? String(a) : a));
}
