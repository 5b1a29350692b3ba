import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { editorName } from "../../src/core/editorName";

describe("editorName", () => {
  test("VS Code and its forks get the names WakaTime's plugin gives them", () => {
    const expected: Array<[string, string]> = [
      ["Visual Studio Code", "vscode"],
      ["Visual Studio Code - Insiders", "vscode"],
      ["Visual Studio Code - Exploration", "vscode"],
      ["VSCodium", "vscodium"],
      ["VSCodium - Insiders", "vscodium-insiders"],
      ["Cursor", "cursor"],
      ["Windsurf", "windsurf"],
      ["Trae", "trae"],
      ["code-server", "code-server"],
      ["Arduino IDE", "arduino"],
      ["Azure Data Studio", "azdata"],
      ["SQL Operations Studio", "sqlops"],
      ["Onivim 2", "onivim"],
    ];
    for (const [appName, name] of expected) {
      assert.equal(editorName(appName), name, appName);
    }
  });

  test("no name at all is no editor", () => {
    assert.equal(editorName(""), undefined);
    assert.equal(editorName("  "), undefined);
  });
});
