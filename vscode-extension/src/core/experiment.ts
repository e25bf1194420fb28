// Experiment names and repository paths, derived from file paths. Pure.
import * as path from "node:path";

/** The directory holding graft.toml at or above `file`'s directory, else undefined. */
export function findRepoRoot(
  file: string,
  exists: (p: string) => boolean,
  p: typeof path = path,
): string | undefined {
  let dir = p.dirname(file);
  for (;;) {
    if (exists(p.join(dir, "graft.toml"))) return dir;
    const up = p.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** `file` relative to `root` with forward slashes, or undefined when it is not below it. */
export function relativePosix(root: string, file: string, p: typeof path = path): string | undefined {
  const rel = p.relative(root, file);
  if (rel === "" || rel.startsWith("..") || p.isAbsolute(rel)) return undefined;
  return rel.split(p.sep).join("/");
}

/**
 * The experiment name of a file: its path relative to the experiments directory, without
 * `.py` (`experiments/a/b.py` is `a/b`). Undefined for files outside that directory.
 */
export function experimentName(
  file: string,
  root: string,
  experimentsDir: string,
  p: typeof path = path,
): string | undefined {
  const rel = relativePosix(p.resolve(root, experimentsDir), file, p);
  if (rel === undefined || !rel.endsWith(".py")) return undefined;
  return rel.slice(0, -3);
}

/**
 * What `graft run` is given for a file, run from the repository root: the experiment name
 * under the experiments directory (`baseline`), else the path relative to the root
 * (`configs/x.py`: a file matched only by `graftlab.experimentGlobs`), else the absolute path.
 * `graft run PATH` accepts each of them.
 */
export function runTarget(file: string, root: string, experimentsDir: string, p: typeof path = path): string {
  return experimentName(file, root, experimentsDir, p) ?? relativePosix(root, file, p) ?? file;
}
