/**
 * Masking the credentials a URL may carry (`user:password@`) in any text bound for a log or a
 * tooltip: the server URL setting may hold them, and fetch quotes the URL in its errors.
 * Must not import `vscode`.
 */

/** The text with the `user:password@` of any URL in it masked: logs and tooltips never show them. */
export function redactCredentials(text: string): string {
  return text.replace(/(\/\/)[^/\s?#]*@/g, "$1***@");
}
