import * as assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";

import { expandInterpreterSetting, pythonExtensionInterpreter, resolveInterpreter } from "../src/core/interpreter";

test("the setting wins over the Python extension and python3", async () => {
  const calls: string[] = [];
  const r = await resolveInterpreter([
    { name: "setting", get: () => (calls.push("setting"), "/venv/bin/python") },
    { name: "python extension", get: async () => (calls.push("ext"), "/other/python") },
  ]);
  assert.deepEqual(r, { python: "/venv/bin/python", source: "setting", notes: [] });
  assert.deepEqual(calls, ["setting"]); // later sources are not asked
});

test("then the Python extension's environment", async () => {
  const r = await resolveInterpreter([
    { name: "setting", get: () => undefined },
    { name: "python extension", get: async () => "/env/bin/python" },
  ]);
  assert.equal(r.python, "/env/bin/python");
  assert.equal(r.source, "python extension");
});

test("then python3; failing sources are skipped with a note", async () => {
  const r = await resolveInterpreter([
    { name: "setting", get: () => "  " },
    {
      name: "python extension",
      get: async () => {
        throw new Error("not installed");
      },
    },
  ]);
  assert.deepEqual(r, { python: "python3", source: "default", notes: ["python extension: not installed"] });
});

test("the setting is expanded", () => {
  const env = { VENV: "/opt/venv" };
  assert.equal(expandInterpreterSetting("${workspaceFolder}/.venv/bin/python", "/ws", env, "/home/u"), "/ws/.venv/bin/python");
  assert.equal(expandInterpreterSetting(".venv/bin/python", "/ws", env, "/home/u"), path.join("/ws", ".venv/bin/python"));
  assert.equal(expandInterpreterSetting("${env:VENV}/bin/python", "/ws", env, "/home/u"), "/opt/venv/bin/python");
  assert.equal(expandInterpreterSetting("~/venv/bin/python", "/ws", env, "/home/u"), path.join("/home/u", "venv/bin/python"));
  assert.equal(expandInterpreterSetting("${userHome}/p", "/ws", env, "/home/u"), "/home/u/p");
  assert.equal(expandInterpreterSetting("python3.12", "/ws", env, "/home/u"), "python3.12"); // PATH lookup
  assert.equal(expandInterpreterSetting("/usr/bin/python3", "/ws", env, "/home/u"), "/usr/bin/python3");
  assert.equal(expandInterpreterSetting("", "/ws", env), undefined);
  assert.equal(expandInterpreterSetting(undefined, "/ws", env), undefined);
});

test("the Python extension's active environment resolves to its executable", async () => {
  const api = {
    getActiveEnvironmentPath: () => ({ id: "x", path: "/envs/x" }),
    resolveEnvironment: async () => ({ executable: { uri: { fsPath: "/envs/x/bin/python" } } }),
  };
  assert.equal(await pythonExtensionInterpreter(api), "/envs/x/bin/python");
  const unresolved = { ...api, resolveEnvironment: async () => undefined };
  assert.equal(await pythonExtensionInterpreter(unresolved), "/envs/x");
  assert.equal(await pythonExtensionInterpreter(undefined), undefined);
});
