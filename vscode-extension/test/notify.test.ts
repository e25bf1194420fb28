import * as assert from "node:assert/strict";
import { test } from "node:test";

import { ImportCheck } from "../src/core/importCheck";
import { isNoise, shouldNotify, startFailureMessage, stderrTail, versionMismatch } from "../src/core/notify";

test("showNotifications decides which levels notify", () => {
  assert.equal(shouldNotify("off", "error"), false);
  assert.equal(shouldNotify("onError", "error"), true);
  assert.equal(shouldNotify("onError", "warning"), false);
  assert.equal(shouldNotify("onWarning", "warning"), true);
  assert.equal(shouldNotify("onWarning", "info"), false);
  assert.equal(shouldNotify("always", "info"), true);
  assert.equal(shouldNotify(undefined, "error"), true);
  assert.equal(shouldNotify("nonsense", "warning"), false);
});

test("a failed start names the cause from the server's stderr", () => {
  const stderr = "Traceback (most recent call last):\n  File x\nModuleNotFoundError: No module named 'pygls'\n\n";
  assert.deepEqual(stderrTail(stderr, 2), ["  File x", "ModuleNotFoundError: No module named 'pygls'"]);
  assert.equal(
    startFailureMessage("/venv/bin/python", stderr),
    "graftlab: the language server did not start with /venv/bin/python: ModuleNotFoundError: No module named 'pygls'",
  );
  assert.equal(startFailureMessage("python3", ""), "graftlab: the language server did not start with python3.");
});

test("noise is dropped from the output", () => {
  assert.equal(isNoise("true", false), true);
  assert.equal(isNoise("Server process exited with code 0.", true), true);
  assert.equal(isNoise("Server process exited with code 0.", false), false);
  assert.equal(isNoise("Server process exited with code 1.", true), false);
});

test("versions that differ are reported", () => {
  assert.equal(versionMismatch("0.1.0", "0.1.0"), undefined);
  assert.equal(versionMismatch("0.1.0", undefined), undefined);
  assert.match(versionMismatch("0.1.0", "0.2.0") ?? "", /extension is version 0\.1\.0 but the language server is 0\.2\.0/);
});

test("the import check runs once per interpreter", async () => {
  const calls: string[] = [];
  const check = new ImportCheck(async (python) => {
    calls.push(python);
    return { code: python === "good" ? 0 : 1, stderr: "" };
  });
  const results = await Promise.all([check.check("bad"), check.check("bad"), check.check("good"), check.check("bad")]);
  assert.deepEqual(results.map((r) => r.code), [1, 1, 0, 1]);
  assert.deepEqual(calls, ["bad", "good"]);
  check.forget("bad");
  await check.check("bad");
  assert.deepEqual(calls, ["bad", "good", "bad"]);
});
