/**
 * The editor a beat names: the name WakaTime's VS Code plugin puts first in its User-Agent for the
 * same program (`vscode` for VS Code and its Insiders build, `cursor`, `windsurf`, `vscodium`,
 * `code-server`), so that `oxitrack report --by editor` shows one row for VS Code whichever of the
 * two extensions recorded the time. It is the program's name (`vscode.env.appName`), not where
 * the files are: a remote window (SSH, WSL, a container) is still the editor on your machine.
 * Must not import `vscode`.
 */

/** Program names WakaTime's plugin spells its own way. */
const KNOWN_EDITORS: ReadonlyMap<string, string> = new Map([
  ["Visual Studio Code", "vscode"],
  ["Cursor", "cursor"],
  ["Windsurf", "windsurf"],
  ["Trae", "trae"],
  ["Arduino IDE", "arduino"],
  ["Azure Data Studio", "azdata"],
  ["SQL Operations Studio", "sqlops"],
  ["Onivim", "onivim"],
  ["Onivim 2", "onivim"],
]);

/**
 * The editor's name for `appName` (VS Code's `env.appName`): a known program's own spelling, any
 * other "Visual …" name ("Visual Studio Code - Insiders") as `vscode`, as WakaTime's plugin
 * does, anything else lower-cased without spaces ("VSCodium" -> `vscodium`); undefined when empty.
 */
export function editorName(appName: string): string | undefined {
  const known = KNOWN_EDITORS.get(appName);
  if (known !== undefined) {
    return known;
  }
  if (appName.toLowerCase().includes("visual")) {
    return "vscode";
  }
  const squeezed = appName.replace(/\s+/g, "").toLowerCase();
  return squeezed === "" ? undefined : squeezed;
}
