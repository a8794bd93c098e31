/**
 * Record bytes never reach a terminal or a hook's environment raw: the real
 * H200 recording with hostile hostnames and GPU ids (terminal escapes, NUL,
 * C1 controls, a bidi override) through `abp watch` (text output, --on-alert)
 * and `abp detect`'s summary, and a malformed line quoted in an error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatEvent } from '../src/collect/format.js';
import { printable, printableLines } from '../src/util/printable.js';
import { fakeScripts } from './fake-nvidia-smi.js';
import { abp } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abp-ho-'));

// Escaped in the JSON text (so the line takes JSON.parse) ...
const HOST_A = 'vm\u001b]0;pwned\u0007\r\u0000\u001b[2K';
const GPU = 'GPU-\u0000\u001b[31mred\u001b[0m\u202e';
// ... and legal raw in a JSON string (the flat-line path): C1 CSI and a bidi override.
const HOST_B = 'vm\u009b2J\u202eevil';
/** Anything a terminal acts on, but the line break between lines. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const hostile = path.join(dir, 'hostile.jsonlines');
const lines = zlib.gunzipSync(fs.readFileSync(DATA)).toString('utf8').split('\n').filter(Boolean);
fs.writeFileSync(
  hostile,
  lines
    .map((l, i) => {
      const r = JSON.parse(l);
      r.hostname = i % 2 ? HOST_B : HOST_A;
      r['nvidia_smi_log.gpu.uuid'] = GPU;
      return JSON.stringify(r);
    })
    .join('\n') + '\n',
);
expect(fs.readFileSync(hostile, 'utf8')).toContain('\u009b2J');

describe('printable', () => {
  it('escapes controls, C1, bidi overrides and backslashes; keeps other text', () => {
    expect(printable('a\u0000b\u001b[0m\u0007\r\n\t\u007f\u009b\u202e\u2028\\x1b é 漢 🙂')).toBe(
      'a\\x00b\\x1b[0m\\x07\\x0d\\x0a\\x09\\x7f\\x9b\\u{202e}\\u{2028}\\\\x1b é 漢 🙂',
    );
    expect(printable('GPU-8caf8210-5aea-c543-c8df-e0160da9557f')).toBe('GPU-8caf8210-5aea-c543-c8df-e0160da9557f');
    expect(printableLines('line one\u001b[2J\nline two\\n')).toBe('line one\\x1b[2J\nline two\\n');
  });

  it('watch text lines show hostile fields escaped; JSON lines keep them exactly', () => {
    const e = { type: 'alert', state: 'firing', time: 0, hostname: HOST_A, gpu: GPU, busId: 'x\u001by', flagged: 3, seen: 5, probability: 0.9 } as const;
    const text = formatEvent(e as never, 'text');
    expect(text).not.toMatch(CONTROL);
    expect(text).toContain(printable(HOST_A));
    expect(text).toContain('(x\\x1by)');
    expect(JSON.parse(formatEvent(e as never, 'json')).hostname).toBe(HOST_A);
  });
});

describe('abp watch on hostile records', () => {
  it('text output carries no control character from the records', async () => {
    const r = await abp(['watch', '--input', hostile, '--format', 'text']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ALERT');
    expect(r.stdout).not.toMatch(CONTROL);
    expect(r.stderr).not.toMatch(CONTROL);
    expect(r.stdout).toContain(`${printable(HOST_A)} ${printable(GPU)}`);
    expect(r.stdout).toContain(`${printable(HOST_B)} ${printable(GPU)}`);
  });

  it('--on-alert runs for every alert with printable values in its environment and the exact alert on stdin', async () => {
    const env = path.join(dir, 'hook-env.txt');
    const stdin = path.join(dir, 'hook-stdin.jsonl');
    const r = await abp(['watch', '--input', hostile, '--alerts-only', '--format', 'json', '--on-alert', `printf '%s|%s\\n' "$ABP_ALERT_GPU" "$ABP_ALERT_HOST" >> '${env}'; cat >> '${stdin}'`]);
    expect(r.code, r.stderr).toBe(0);
    const alerts = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(alerts.length).toBeGreaterThan(1);
    const seen = fs.readFileSync(env, 'utf8').split('\n').filter(Boolean);
    expect(seen).toEqual(alerts.map((a) => `${printable(GPU)}|${printable(a.hostname)}`));
    const got = fs.readFileSync(stdin, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(got).toEqual(alerts);
    expect(got[0].gpu).toBe(GPU);
  });
});

describe('abp detect on hostile records', () => {
  it('the summary shows GPU ids and hostnames escaped', async () => {
    const r = await abp(['detect', hostile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rows flagged: [1-9]/);
    expect(r.stdout).not.toMatch(CONTROL);
    expect(r.stdout).toContain(`  ${printable(GPU)}  `);
    expect(r.stdout).toContain(`  ${printable(HOST_A)}  `);
    expect(r.stdout).toContain(`  ${printable(HOST_B)}  `);
  });

  it('an error quoting a malformed line, and a file name, reach the terminal escaped', async () => {
    const bad = path.join(dir, 'bad\u001b[2J.jsonlines');
    fs.writeFileSync(bad, '{"a":1}\n\u001b]0;pwned\u0007 {"not": json}\n');
    const r = await abp(['detect', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad\\x1b[2J.jsonlines:2');
    expect(r.stderr).not.toMatch(CONTROL);
  });
});

describe('abp collect on hostile nvidia-smi output', () => {
  const { fake } = fakeScripts('abp-ho-smi-');
  it('a skipped sample whose parser message quotes the document reaches stderr escaped', async () => {
    const smi = fake('smi', `printf '<?xml version="1.0"?>\\n<nvidia_smi_log><g\\033]0;pwned\\007>x</nvidia_smi_log>\\n'`);
    const r = await abp(['collect', '--gpm=off', '--count=1', '--interval=0', '--on-error=skip', '--nvidia-smi', smi]);
    expect(r.stderr).toContain("Tag 'g\\x1b]0;pwned\\x07'");
    expect(r.stderr).not.toMatch(CONTROL);
  });
});
