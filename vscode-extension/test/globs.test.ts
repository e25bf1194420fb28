import * as assert from "node:assert/strict";
import { test } from "node:test";

import { dirGlob, documentSelector, escapeGlobPath, mergeGlobs, normalizeGlob, parseGraftToml } from "../src/core/globs";

test("graft.toml's experiments directory becomes a glob", () => {
  const t = parseGraftToml('[graft]\nname = "x"\nexperiments = "exps"\n');
  assert.deepEqual(t, { experimentsDir: "exps", globs: ["exps/**/*.py"] });
});

test("the template's graft.toml gives experiments/**/*.py", () => {
  const text = '[graft]\nname = "demo"\nallowed_modules = ["patches"]\nexperiments = "experiments"\n\n[run]\nseed = 0\n';
  assert.deepEqual(parseGraftToml(text).globs, ["experiments/**/*.py"]);
});

test("no graft.toml, no [graft] table or no key: the default", () => {
  for (const text of [undefined, "", "[run]\nseed = 1\n", '[graft]\nname = "x"\n', "graft = 3\n"]) {
    const t = parseGraftToml(text);
    assert.deepEqual(t.globs, ["experiments/**/*.py"], String(text));
    assert.equal(t.experimentsDir, "experiments");
    assert.equal(t.error, undefined);
  }
});

test("invalid TOML or a non-string directory: the default, with an error", () => {
  const bad = parseGraftToml("[graft\nexperiments = ");
  assert.deepEqual(bad.globs, ["experiments/**/*.py"]);
  assert.match(bad.error ?? "", /invalid graft.toml/);
  const notDir = parseGraftToml("[graft]\nexperiments = 3\n");
  assert.deepEqual(notDir.globs, ["experiments/**/*.py"]);
  assert.match(notDir.error ?? "", /directory/);
});

test("directories and globs are normalized", () => {
  assert.equal(normalizeGlob("./a/b/"), "a/b");
  assert.equal(normalizeGlob(" a\\b\\*.py "), "a/b/*.py");
  assert.equal(dirGlob("./exps/"), "exps/**/*.py");
  assert.equal(dirGlob("."), "**/*.py");
  assert.deepEqual(parseGraftToml('[graft]\nexperiments = "./nested/exps/"\n').globs, ["nested/exps/**/*.py"]);
});

test("the setting's globs are added after graft.toml's, without duplicates", () => {
  assert.deepEqual(mergeGlobs(["experiments/**/*.py"], ["./experiments/**/*.py", "configs/*.py", "", 7, "configs/*.py"]), [
    "experiments/**/*.py",
    "configs/*.py",
  ]);
  assert.deepEqual(mergeGlobs(["experiments/**/*.py"], undefined), ["experiments/**/*.py"]);
  assert.deepEqual(mergeGlobs(["experiments/**/*.py"], "not a list"), ["experiments/**/*.py"]);
});

test("the document selector: python files on disk, globs anchored at the folder", () => {
  assert.deepEqual(documentSelector("/home/me/repo", ["experiments/**/*.py", "**/cfg/*.py", "/abs/*.py"]), [
    { scheme: "file", language: "python", pattern: "/home/me/repo/experiments/**/*.py" },
    { scheme: "file", language: "python", pattern: "**/cfg/*.py" },
    { scheme: "file", language: "python", pattern: "/abs/*.py" },
  ]);
  assert.equal(documentSelector("C:\\work\\repo\\", ["e/*.py"])[0]!.pattern, "C:/work/repo/e/*.py");
});

test("glob characters in the folder path are escaped", () => {
  assert.equal(escapeGlobPath("/w/a[1]{b}*?"), "/w/a[[]1[]][{]b[}][*][?]");
  assert.equal(documentSelector("/w/x{y}", ["e/*.py"])[0]!.pattern, "/w/x[{]y[}]/e/*.py");
});
