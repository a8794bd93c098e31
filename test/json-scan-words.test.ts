/**
 * The line check reads strings a word (4 bytes) at a time once it reaches a
 * word boundary: its answer must not depend on where a line lies in its buffer
 * nor on where in a word a quote, backslash or control byte falls. Each case
 * is checked against what JSON.parse makes of the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { DUPLICATE, FLAT, KeySet, scanFlatLine } from '../src/stages/json-scan.js';
import { BLANK, scanBlock } from '../src/stages/scan-block.js';

/** What the fast path must say: flat iff JSON.parse reads one object of primitives and the bytes hold no backslash. */
function expectedFlat(bytes: Buffer): boolean {
  if (bytes.includes(0x5c)) return false;
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    return false;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  return Object.values(v as Record<string, unknown>).every((x) => x === null || typeof x !== 'object');
}

// Bytes that end a string, are refused in one, or sit next to those in value: quote, backslash, controls, space, '!', high bytes.
const SPECIALS = [0x22, 0x5c, 0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x21, 0x23, 0x5b, 0x7f, 0x80, 0xff];

function lines(): Buffer[] {
  const out: Buffer[] = [];
  for (let len = 0; len <= 11; len++) {
    for (let at = 0; at <= len; at++) {
      for (const sp of SPECIALS) {
        const text = (ch: string) => {
          const b = Buffer.alloc(len + 1, ch);
          b[at] = sp;
          return b;
        };
        const key = Buffer.concat([Buffer.from('"nvidia_smi_log.gpu.k'), text('k'), Buffer.from('"')]);
        const val = Buffer.concat([Buffer.from('"v'), text('v'), Buffer.from('"')]);
        out.push(Buffer.concat([Buffer.from('{"a": "x", '), key, Buffer.from(': "12 W", "power": '), val, Buffer.from(', "n": 3}')]));
      }
    }
    // No special byte: strings of every length, and one ending at the buffer's end.
    out.push(Buffer.from(`{"nvidia_smi_log.gpu.${'k'.repeat(len)}": "${'v'.repeat(len)}", "power": "${'w'.repeat(len)}"}`));
    out.push(Buffer.from(`{"power": "${'w'.repeat(len)}`));
  }
  return out;
}

describe('scanFlatLine at every word alignment', () => {
  const keys = new KeySet(['power', 'n']);
  const cases = lines();

  it('agrees with JSON.parse for a special byte at every position, the line at every offset in its buffer', () => {
    let flat = 0;
    let checked = 0;
    for (const line of cases) {
      const want = expectedFlat(line);
      let parsed: Record<string, unknown> | undefined;
      if (want) parsed = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
      for (let lead = 0; lead < 8; lead++) {
        for (let trail = 0; trail < 5; trail++) {
          // The line inside a larger buffer, at `lead` bytes from its start, `trail` bytes of junk after it.
          const big = Buffer.alloc(lead + line.length + trail, 0x22);
          line.copy(big, lead);
          const spans = new Int32Array(2 * keys.size).fill(-1);
          const flags = scanFlatLine(big, lead, lead + line.length, keys, spans, 0);
          checked++;
          expect({ line: line.toString('latin1'), lead, flat: flags !== 0 }).toEqual({ line: line.toString('latin1'), lead, flat: want });
          if (!want) continue;
          flat++;
          expect(flags & ~(FLAT | DUPLICATE)).toBe(0);
          // The span of "power" is its value's text, as JSON.parse reads it.
          const s = spans[keys.index.get('power')!];
          const e = spans[keys.size + keys.index.get('power')!];
          expect(JSON.parse(big.toString('utf8', s, e))).toEqual(parsed!.power);
        }
      }
    }
    // Both answers occur, many times over.
    expect(flat).toBeGreaterThan(1000);
    expect(checked - flat).toBeGreaterThan(10000);
  });

  it('a Buffer that is a view at an odd offset of a larger ArrayBuffer reads the same', () => {
    const line = Buffer.from('{"power": "123.45 W", "nvidia_smi_log.gpu.fan_speed": "N/A", "n": 3}');
    for (let lead = 0; lead < 8; lead++) {
      const ab = new ArrayBuffer(64 + line.length + 8);
      const view = Buffer.from(ab, 3 + lead, line.length + 2);
      line.copy(view, 0);
      view[line.length] = 0x5c; // a backslash right after the line must not count
      const spans = new Int32Array(2 * keys.size).fill(-1);
      expect(scanFlatLine(view, 0, line.length, keys, spans, 0)).toBe(FLAT);
      expect(view.toString('utf8', spans[0], spans[keys.size])).toBe('"123.45 W"');
      expect(view.toString('utf8', spans[1], spans[keys.size + 1])).toBe('3');
    }
  });

  it('scanBlock (which lets the check of a flat line find its end) gives every line the span, flags and value spans scanFlatLine gives it alone', () => {
    // Every case above, each followed by one of several line ends (whitespace before the newline, CRLF,
    // blank lines, a line break right after a brace), the last one without a newline.
    const seps = ['\n', ' \n', '\r\n', '\n\n', '\t \r\n', '\n   \n', '\n{\n'];
    const parts: Buffer[] = [];
    // And lines whose closing brace is followed by more than whitespace, or by nothing at all.
    const tails = ['{"power": 1} x', '{"power": 1}}', '{"power": 1}{"n": 2}', '{} x', '{ }\t', '{"n": 2}\r', '{}', '{"power": 1} \\'];
    cases.concat(tails.map((t) => Buffer.from(t))).forEach((line, i) => parts.push(line, Buffer.from(seps[i % seps.length])));
    parts.push(Buffer.from('{"power": "last", "n": 1}'));
    const block = Buffer.concat(parts);
    const scan = scanBlock(block, keys);
    const k = keys.size;
    let p = 0;
    let flat = 0;
    for (let n = 0; n < scan.n; n++) {
      let e = block.indexOf(10, p);
      if (e === -1) e = block.length;
      expect([scan.lines[n * 3], scan.lines[n * 3 + 1]]).toEqual([p, e]);
      const blank = block.subarray(p, e).every((c) => c === 0x20 || c === 0x09 || c === 0x0d);
      const spans = new Int32Array(2 * k).fill(-1);
      const want = blank ? BLANK : scanFlatLine(block, p, e, keys, spans, 0);
      expect({ line: block.toString('latin1', p, e), flags: scan.lines[n * 3 + 2] }).toEqual({ line: block.toString('latin1', p, e), flags: want });
      if (want > 0) {
        flat++;
        // Starts (-1: absent), and the ends of the names present (an absent name's end is not set).
        const got = scan.spans.subarray(n * 2 * k, (n + 1) * 2 * k);
        for (let c = 0; c < k; c++) expect([got[c], got[c] === -1 ? -1 : got[k + c]]).toEqual([spans[c], spans[c] === -1 ? -1 : spans[k + c]]);
      }
      p = e + 1;
    }
    expect(p).toBe(block.length + 1);
    expect(flat).toBeGreaterThan(200);
  });
});
