/**
 * The language a beat names: VS Code's `languageId` turned into the name WakaTime's tools give the
 * same language (`typescriptreact` -> `TSX`, `shellscript` -> `Bash`), so that time from this
 * extension and from WakaTime plugins in other editors lands in the same row of
 * `oxitrack report --by language`.
 *
 * An id with no mapping (one an extension contributes, say `prisma`) is sent as it is: a row named
 * `prisma` says where the time went, while leaving it out would pour that time into the `unknown`
 * row, beside time that truly has no language. Ids that name no language (plain text, logs, the
 * search editor, the commit message box) and ids that do not look like one are left out.
 * Must not import `vscode`.
 */

/** VS Code's ids (built in, and the common extensions') -> WakaTime's names. */
const WAKATIME_NAMES: ReadonlyMap<string, string> = new Map([
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
  // VS Code calls tsconfig.json, settings.json and other *.json files `jsonc`; WakaTime goes by
  // the file name, so they are JSON there.
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
]);

/** Ids of documents that hold no code of any language: their time has no language. */
const NOT_LANGUAGES: ReadonlySet<string> = new Set([
  "plaintext",
  "log",
  "Log",
  "search-result",
  "scminput",
  "code-text-binary",
]);

/** What an unmapped id must look like to be sent as it is: short, no spaces, no path. */
const PLAIN_ID = /^[A-Za-z0-9][A-Za-z0-9_.+#-]{0,63}$/;

/** WakaTime's name for the language of a document with `languageId`; undefined for none. */
export function languageName(languageId: string | undefined): string | undefined {
  if (languageId === undefined || NOT_LANGUAGES.has(languageId)) {
    return undefined;
  }
  const known = WAKATIME_NAMES.get(languageId);
  if (known !== undefined) {
    return known;
  }
  return PLAIN_ID.test(languageId) ? languageId : undefined;
}
