/**
 * Can this API key be sent at all? It travels in an HTTP header, which carries Latin-1 at most,
 * and the daemon takes only keys a header can carry (printable ASCII and Latin-1). A key pasted
 * with a zero-width space or curly quotes made every request fail inside fetch, before anything
 * was sent, and the status bar then said the daemon was offline while it ran.
 * Must not import `vscode`.
 */

/** Why `key` can never be sent, naming its first such character; undefined when it can. */
export function apiKeyProblem(key: string): string | undefined {
  for (const character of key) {
    if (!isHeaderCharacter(character)) {
      const code = `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
      return (
        `the API key has the character ${code}, which an HTTP header cannot carry (pasted with ` +
        "an invisible space or curly quotes?); set the key the daemon was started with"
      );
    }
  }
  return undefined;
}

/** The characters the daemon allows in its key (its config.py): printable ASCII and Latin-1. */
function isHeaderCharacter(character: string): boolean {
  return (character >= " " && character <= "~") || (character >= "\u00a0" && character <= "\u00ff");
}
