/**
 * Text from records (hostnames, GPU ids), file names and parser messages that
 * quote input, made safe to show to people. Control characters would reach
 * the terminal as commands: ESC sequences rewrite the screen or the window
 * title, CR hides what came before, BEL rings, C1 controls (U+0080-U+009F)
 * act like ESC on some terminals, and bidirectional overrides reorder what is
 * shown. Each is written as a visible escape (\x1b, \u{202e}) instead.
 */

// C0, DEL, C1; bidi marks, embeddings, overrides and isolates; line/paragraph separators; BOM; lone surrogates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const UNSAFE_OR_BACKSLASH = new RegExp(`\\\\|${UNSAFE.source}`, 'g');

function escape(c: string): string {
  if (c === '\\') return '\\\\';
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
}

/**
 * A value from a record (one field: no line breaks kept). The backslash is
 * doubled too, so an escape seen in the output is never one the record spelled out.
 */
export function printable(value: unknown): string {
  return String(value).replace(UNSAFE_OR_BACKSLASH, escape);
}

/** A message for people: each line made printable, its own line breaks kept, backslashes left as they are. */
export function printableLines(message: string): string {
  return message
    .split('\n')
    .map((l) => l.replace(UNSAFE, escape))
    .join('\n');
}
