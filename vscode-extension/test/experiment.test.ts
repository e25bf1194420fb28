import * as assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";

import { experimentName, findRepoRoot, relativePosix, runTarget } from "../src/core/experiment";

test("experiment names are paths under the experiments directory without .py", () => {
  assert.equal(experimentName("/r/experiments/baseline.py", "/r", "experiments"), "baseline");
  assert.equal(experimentName("/r/experiments/a/b.py", "/r", "experiments"), "a/b");
  assert.equal(experimentName("/r/exps/deep/x/y.py", "/r", "exps/deep"), "x/y");
  assert.equal(experimentName("/r/patches/rules.py", "/r", "experiments"), undefined);
  assert.equal(experimentName("/r/experiments/notes.txt", "/r", "experiments"), undefined);
  assert.equal(experimentName("/elsewhere/experiments/a.py", "/r", "experiments"), undefined);
});

test("Windows paths give forward-slash names", () => {
  assert.equal(experimentName("C:\\r\\experiments\\a\\b.py", "C:\\r", "experiments", path.win32), "a/b");
  assert.equal(relativePosix("C:\\r", "C:\\r\\experiments\\a.py", path.win32), "experiments/a.py");
});

test("the repository root is the nearest directory with graft.toml", () => {
  const have = new Set(["/r/graft.toml", "/r/sub/graft.toml"]);
  const exists = (p: string) => have.has(p);
  assert.equal(findRepoRoot("/r/experiments/a/b.py", exists), "/r");
  assert.equal(findRepoRoot("/r/sub/experiments/a.py", exists), "/r/sub");
  assert.equal(findRepoRoot("/x/y.py", exists), undefined);
});

test("relative paths", () => {
  assert.equal(relativePosix("/r", "/r/experiments/a.py"), "experiments/a.py");
  assert.equal(relativePosix("/r", "/s/a.py"), undefined);
  assert.equal(relativePosix("/r", "/r"), undefined);
});

test("graft run gets the name, else the root-relative path, else the file", () => {
  assert.equal(runTarget("/r/experiments/a/b.py", "/r", "experiments"), "a/b");
  assert.equal(runTarget("/r/configs/x.py", "/r", "experiments"), "configs/x.py");
  assert.equal(runTarget("/r/x.py", "/r", "exps"), "x.py");
  assert.equal(runTarget("/other/x.py", "/r", "experiments"), "/other/x.py");
  assert.equal(runTarget("C:\\r\\configs\\x.py", "C:\\r", "experiments", path.win32), "configs/x.py");
});
