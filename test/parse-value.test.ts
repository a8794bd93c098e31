import { describe, expect, it } from 'vitest';
import { featureValue, firstDigits, firstNumber } from '../src/stages/parse-value.js';

describe('unit stripping', () => {
  it('keeps sign and decimals', () => {
    expect(firstNumber('126.78 W')).toBeCloseTo(126.78, 5);
    expect(firstNumber('-8 C')).toBe(-8);
    expect(firstNumber('0 KB/s')).toBe(0);
    expect(firstNumber('836 KB/s')).toBe(836);
    expect(firstNumber('16x')).toBe(16);
    expect(firstNumber('143771 MiB')).toBe(143771);
    expect(firstNumber('.5 V')).toBe(0.5);
    expect(firstNumber('1e3 Hz')).toBe(1000);
    expect(firstNumber('5 EiB')).toBe(5);
  });
  it('text without digits, null and N/A are missing', () => {
    expect(firstNumber('N/A')).toBeNaN();
    expect(firstNumber('Not Active')).toBeNaN();
    expect(featureValue(null)).toBeNaN();
    expect(featureValue(undefined)).toBeNaN();
    expect(featureValue(true)).toBeNaN();
    expect(featureValue(12.5)).toBe(12.5);
  });
  it("Morpheus' first-digits rule", () => {
    expect(firstDigits('61.77 W')).toBe(61);
    expect(firstDigits('-8 C')).toBe(8);
    expect(featureValue('61.77 W', 'morpheus-digits')).toBe(61);
  });
});
