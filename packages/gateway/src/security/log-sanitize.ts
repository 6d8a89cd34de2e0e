// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes.
const CONTROL_CHARS = /[\x00-\x08\x0a-\x1f\x7f]/g;

/**
 * Makes one log line safe to print: peer-controlled text (a Logout's Text, a Reject's Text, an
 * invalid tag) may carry newlines or terminal escapes that would forge log lines or recolour a
 * console. Control characters (other than tab) become `\xNN`; the line is bounded in length.
 */
export function sanitizeLogLine(line: string, charsMax = 4_096): string {
  const safe = line.replace(CONTROL_CHARS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return safe.length <= charsMax
    ? safe
    : `${safe.slice(0, charsMax)}... (${safe.length - charsMax} more chars)`;
}
