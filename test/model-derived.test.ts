import { describe, expect, it } from 'vitest';
import { parseDerived } from '../src/model-repo/derived.js';
import { ModelConfigError } from '../src/errors.js';

const COLS = ['sm', 'int', 'fp16', 'fp32'];

describe('derived features (derived_fil.txt)', () => {
  it('computes ratio, sum and max after the columns, in file order, chaining earlier ones', () => {
    const d = parseDerived(
      ['# comment', 'fp = sum(fp16, fp32)', 'int_share = ratio(int, sm)', 'fp_share = ratio(fp, sm)', 'top = max(int, fp)'].join('\n'),
      COLS,
      'derived_fil.txt',
    );
    expect(d.features.map((f) => f.name)).toEqual(['fp', 'int_share', 'fp_share', 'top']);
    const rows = Float32Array.from([80, 40, 2, 6, /* idle: sm below 1 % */ 0.5, 0.4, 0, 0, /* missing */ NaN, 10, NaN, 1]);
    const out = d.apply(rows, 3, 4);
    expect(out.length).toBe(3 * 8);
    expect(Array.from(out.subarray(0, 8))).toEqual([80, 40, 2, 6, 8, 0.5, Math.fround(0.1), 40]);
    // A share of an idle SM is missing, not a huge number.
    expect(out[8 + 5]).toBeNaN();
    expect(out[8 + 6]).toBeNaN();
    // NaN propagates through sum and ratio; max skips it.
    expect(out[16 + 4]).toBeNaN();
    expect(out[16 + 5]).toBeNaN();
    expect(out[16 + 7]).toBe(10);
  });

  it('names the file and line of a mistake', () => {
    const bad = (text: string) => () => parseDerived(text, COLS, 'm/derived_fil.txt');
    expect(bad('x = ratio(int)')).toThrow(/m\/derived_fil.txt:1: ratio takes 2 arguments, got 1/);
    expect(bad('\nx = ratio(int, nope)')).toThrow(/:2: "nope" is not a column/);
    expect(bad('x = log(int)')).toThrow(/unknown op "log"/);
    expect(bad('sm = sum(int)')).toThrow(/already a column/);
    expect(bad('x := int')).toThrow(ModelConfigError);
  });
});
