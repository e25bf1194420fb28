// When to show a notification (the `graftlab.showNotifications` setting, as ruff's extension
// has) and what a failed start says. Pure.

export type NotificationSetting = "off" | "onError" | "onWarning" | "always";
export type Level = "error" | "warning" | "info";

const RANK: Record<Level, number> = { error: 3, warning: 2, info: 1 };
const THRESHOLD: Record<NotificationSetting, number> = { off: 4, onError: 3, onWarning: 2, always: 1 };

/** Whether a message of `level` is shown as a notification (it always goes to the output). */
export function shouldNotify(setting: string | undefined, level: Level): boolean {
  const s = (setting ?? "onError") as NotificationSetting;
  const threshold = THRESHOLD[s] ?? THRESHOLD.onError;
  return RANK[level] >= threshold;
}

/** The last `n` non-empty lines of a process's stderr (the cause of a failed start). */
export function stderrTail(stderr: string, n = 3): string[] {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "")
    .slice(-n);
}

/** The one notification of a failed start: what failed, with the server's own last words. */
export function startFailureMessage(python: string, stderr: string): string {
  const tail = stderrTail(stderr, 1)[0];
  return `graftlab: the language server did not start with ${python}` + (tail ? `: ${tail}` : ".");
}

/** Actions offered with a failed start. */
export const START_FAILURE_ACTIONS = ["Show Output", "Restart", "Set Interpreter"] as const;

/**
 * Lines of the client's output that are noise: a bare `true` after a crash, and
 * "exited with code 0" when the server was stopped on purpose (a restart, a switch).
 */
export function isNoise(line: string, stoppingOnPurpose: boolean): boolean {
  const t = line.trim();
  if (t === "true" || t === "false") return true;
  return stoppingOnPurpose && /exited with code 0\b/.test(t);
}

/** A warning when the extension's and the server's versions differ (undefined: they agree). */
export function versionMismatch(extension: string, server: string | undefined): string | undefined {
  if (!server || server === extension) return undefined;
  return `graftlab: the extension is version ${extension} but the language server is ${server}; install matching versions.`;
}
