/**
 * A small parser for protobuf text format, enough for Triton's config.pbtxt:
 * scalars, nested messages ({...} or <...>), lists ([a, b] and [{...}, {...}]),
 * repeated fields, comments. Schema-less: every field maps to the list of its
 * values, so repeated and list syntax read the same way.
 */
import { ModelConfigError } from '../errors.js';

export type PbScalar = string | number | boolean;
export type PbValue = PbScalar | PbMessage;
export interface PbMessage {
  readonly fields: Map<string, PbValue[]>;
}

interface Token {
  kind: 'ident' | 'string' | 'number' | 'punct';
  text: string;
  value: string | number;
  line: number;
}

function tokenize(src: string, file: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '#') { while (i < n && src[i] !== '\n') i++; continue; }
    if ('{}[]<>:,;'.includes(c)) { out.push({ kind: 'punct', text: c, value: c, line }); i++; continue; }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < n && src[j] !== c) {
        if (src[j] === '\n') throw new ModelConfigError('ABP_MODEL_CONFIG', `${file}:${line}: unterminated string`);
        if (src[j] === '\\' && j + 1 < n) {
          const e = src[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
          s += map[e] ?? e;
          j += 2;
        } else {
          s += src[j++];
        }
      }
      if (j >= n) throw new ModelConfigError('ABP_MODEL_CONFIG', `${file}:${line}: unterminated string`);
      // Adjacent string literals concatenate, as in protobuf.
      const prev = out[out.length - 1];
      if (prev && prev.kind === 'string' && prev.line === line) prev.value = (prev.value as string) + s;
      else out.push({ kind: 'string', text: src.slice(i, j + 1), value: s, line });
      i = j + 1;
      continue;
    }
    const m = /^[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[fF]?/.exec(src.slice(i, i + 64));
    if (m && (/[\d.]/.test(c) || ((c === '-' || c === '+') && /[\d.]/.test(src[i + 1] ?? '')))) {
      const t = m[0].replace(/[fF]$/, '');
      out.push({ kind: 'number', text: m[0], value: Number(t), line });
      i += m[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i, i + 256));
    if (id) { out.push({ kind: 'ident', text: id[0], value: id[0], line }); i += id[0].length; continue; }
    throw new ModelConfigError('ABP_MODEL_CONFIG', `${file}:${line}: unexpected character '${c}'`);
  }
  return out;
}

/** Deepest message nesting parsed (Triton configs nest 3 or 4 deep). */
const MAX_DEPTH = 100;

/** Parses protobuf text format; errors name the file and line. */
export function parsePbtxt(src: string, file = 'config.pbtxt'): PbMessage {
  const toks = tokenize(src, file);
  let p = 0;
  const fail = (msg: string, t?: Token): never => {
    throw new ModelConfigError('ABP_MODEL_CONFIG', `${file}:${t?.line ?? toks[toks.length - 1]?.line ?? 1}: ${msg}`);
  };
  const peek = () => toks[p];
  const isPunct = (t: Token | undefined, s: string) => t !== undefined && t.kind === 'punct' && t.text === s;

  function parseScalar(): PbScalar {
    const t = toks[p++];
    if (!t) return fail('unexpected end of file');
    if (t.kind === 'string' || t.kind === 'number') return t.value;
    if (t.kind === 'ident') {
      if (t.text === 'true' || t.text === 'True' || t.text === 't') return true;
      if (t.text === 'false' || t.text === 'False' || t.text === 'f') return false;
      return t.text; // enum value, e.g. TYPE_FP32
    }
    return fail(`unexpected '${t.text}'`, t);
  }

  // Nested messages recurse: bounded, so a hostile file is refused instead of overflowing the stack.
  let depth = 0;
  function parseMessageBody(close: string | null): PbMessage {
    if (++depth > MAX_DEPTH) fail(`messages nested deeper than ${MAX_DEPTH}`, peek());
    try {
      return parseFields(close);
    } finally {
      depth--;
    }
  }

  function parseFields(close: string | null): PbMessage {
    const fields = new Map<string, PbValue[]>();
    for (;;) {
      const t = peek();
      if (t === undefined) {
        if (close !== null) fail(`missing '${close}'`);
        return { fields };
      }
      if (close !== null && isPunct(t, close)) { p++; return { fields }; }
      if (isPunct(t, ',') || isPunct(t, ';')) { p++; continue; }
      if (t.kind !== 'ident') fail(`expected a field name, found '${t.text}'`, t);
      p++;
      const name = t.text;
      let sawColon = false;
      if (isPunct(peek(), ':')) { p++; sawColon = true; }
      const vals = fields.get(name) ?? [];
      fields.set(name, vals);
      const v = peek();
      if (v === undefined) fail(`field '${name}' has no value`, t);
      if (isPunct(v, '[')) {
        p++;
        while (!isPunct(peek(), ']')) {
          if (peek() === undefined) fail(`missing ']' for '${name}'`, t);
          if (isPunct(peek(), ',')) { p++; continue; }
          vals.push(parseValue());
        }
        p++;
      } else if (isPunct(v, '{') || isPunct(v, '<')) {
        vals.push(parseValue());
      } else {
        if (!sawColon) fail(`expected ':' after '${name}'`, v);
        vals.push(parseScalar());
      }
    }
  }

  function parseValue(): PbValue {
    const t = peek();
    if (isPunct(t, '{')) { p++; return parseMessageBody('}'); }
    if (isPunct(t, '<')) { p++; return parseMessageBody('>'); }
    return parseScalar();
  }

  return parseMessageBody(null);
}

export function isMessage(v: PbValue | undefined): v is PbMessage {
  return typeof v === 'object' && v !== null && 'fields' in v;
}

/** First value of a field, or undefined. */
export function field(m: PbMessage, name: string): PbValue | undefined {
  return m.fields.get(name)?.[0];
}

/** All values of a field (repeated or list). */
export function fields(m: PbMessage, name: string): PbValue[] {
  return m.fields.get(name) ?? [];
}
