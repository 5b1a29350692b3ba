import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { languageName } from "../../src/core/language";

describe("languageName", () => {
  test("VS Code's ids become WakaTime's names, so both extensions' time shares a row", () => {
    const expected: Array<[string, string]> = [
      ["python", "Python"],
      ["typescript", "TypeScript"],
      ["typescriptreact", "TSX"],
      ["javascript", "JavaScript"],
      ["javascriptreact", "JSX"],
      ["rust", "Rust"],
      ["go", "Go"],
      ["markdown", "Markdown"],
      ["json", "JSON"],
      ["yaml", "YAML"],
      ["shellscript", "Bash"],
      ["cpp", "C++"],
      ["csharp", "C#"],
      ["dockerfile", "Docker"],
      ["vue", "Vue.js"],
    ];
    for (const [id, name] of expected) {
      assert.equal(languageName(id), name, id);
    }
  });

  test("jsonc (tsconfig.json, settings.json) is JSON, as WakaTime names those files", () => {
    assert.equal(languageName("jsonc"), "JSON");
  });

  test("an id with no mapping is sent as it is: a row of its own rather than unknown time", () => {
    assert.equal(languageName("prisma"), "prisma");
    assert.equal(languageName("my-lang.v2"), "my-lang.v2");
  });

  test("documents of no language have none: plain text, logs, the search editor, the commit box", () => {
    for (const id of ["plaintext", "log", "Log", "search-result", "scminput", "code-text-binary"]) {
      assert.equal(languageName(id), undefined, id);
    }
    assert.equal(languageName(undefined), undefined);
  });

  test("an id that does not look like one (empty, spaces, a path, over-long) is left out", () => {
    for (const id of ["", " python", "a b", "/home/me/secret.txt", "x".repeat(65)]) {
      assert.equal(languageName(id), undefined, JSON.stringify(id));
    }
  });
});
