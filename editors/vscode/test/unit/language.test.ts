import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { languageName } from "../../src/core/language";

describe("languageName", () => {
  test("VS Code's ids become WakaTime's names, so both extensions' time shares a row", () => {
    // The whole table, spelled out: a name that drifted, or an entry that went missing and so fell
    // back to the raw id ("python" beside "Python"), would split a language over two rows.
    const expected: Array<[string, string]> = [
      ["bat", "Batchfile"],
      ["bibtex", "BibTeX"],
      ["c", "C"],
      ["clojure", "Clojure"],
      ["cmake", "CMake"],
      ["coffeescript", "CoffeeScript"],
      ["cpp", "C++"],
      ["csharp", "C#"],
      ["css", "CSS"],
      ["csv", "CSV"],
      ["cuda-cpp", "Cuda"],
      ["d", "D"],
      ["dart", "Dart"],
      ["diff", "Diff"],
      ["dockercompose", "YAML"],
      ["dockerfile", "Docker"],
      ["elixir", "Elixir"],
      ["elm", "Elm"],
      ["erlang", "Erlang"],
      ["fish", "Fish"],
      ["fsharp", "F#"],
      ["gdscript", "GDScript"],
      ["glsl", "GLSL"],
      ["go", "Go"],
      ["graphql", "GraphQL"],
      ["groovy", "Groovy"],
      ["handlebars", "Handlebars"],
      ["haml", "Haml"],
      ["haskell", "Haskell"],
      ["hlsl", "HLSL"],
      ["html", "HTML"],
      ["ini", "INI"],
      ["jade", "Pug"],
      ["java", "Java"],
      ["javascript", "JavaScript"],
      ["javascriptreact", "JSX"],
      ["json", "JSON"],
      ["jsonc", "JSON"],
      ["jsonl", "JSON"],
      ["julia", "Julia"],
      ["kotlin", "Kotlin"],
      ["latex", "LaTeX"],
      ["less", "LESS"],
      ["lua", "Lua"],
      ["makefile", "Makefile"],
      ["markdown", "Markdown"],
      ["matlab", "Matlab"],
      ["nix", "Nix"],
      ["objective-c", "Objective-C"],
      ["objective-cpp", "Objective-C++"],
      ["ocaml", "OCaml"],
      ["perl", "Perl"],
      ["perl6", "Raku"],
      ["php", "PHP"],
      ["powershell", "PowerShell"],
      ["proto", "Protocol Buffer"],
      ["proto3", "Protocol Buffer"],
      ["pug", "Pug"],
      ["python", "Python"],
      ["r", "R"],
      ["raku", "Raku"],
      ["restructuredtext", "reStructuredText"],
      ["ruby", "Ruby"],
      ["rust", "Rust"],
      ["sass", "Sass"],
      ["scala", "Scala"],
      ["scss", "SCSS"],
      ["shaderlab", "ShaderLab"],
      ["shellscript", "Bash"],
      ["slim", "Slim"],
      ["solidity", "Solidity"],
      ["sql", "SQL"],
      ["stylus", "Stylus"],
      ["svelte", "Svelte"],
      ["swift", "Swift"],
      ["systemverilog", "SystemVerilog"],
      ["terraform", "Terraform"],
      ["tex", "TeX"],
      ["toml", "TOML"],
      ["typescript", "TypeScript"],
      ["typescriptreact", "TSX"],
      ["vb", "VB.NET"],
      ["verilog", "Verilog"],
      ["vhdl", "VHDL"],
      ["vue", "Vue.js"],
      ["xml", "XML"],
      ["xsl", "XSLT"],
      ["yaml", "YAML"],
      ["zig", "Zig"],
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

  test("an unmapped id at the edges of the accepted shape is still sent", () => {
    // One character (the V language's id), a leading digit, a nine anywhere, 64 characters.
    for (const id of ["v", "4d", "9lang", "lang9", "x".repeat(64)]) {
      assert.equal(languageName(id), id, id);
    }
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
