/**
 * A short run of the input fuzzer (scripts/fuzz-input.ts): a few hundred
 * mutated real records through the whole pipeline under fail, skip and
 * quarantine. The long run is by hand (README, "Hostile input").
 */
import { describe, expect, it } from 'vitest';
import { MUTATION_NAMES, fuzzInput } from '../scripts/fuzz-input.js';

describe('input fuzzer (short run)', () => {
  it('300 mutated lines: no crash or hang, every line accounted for, only JSON records written', async () => {
    const seed = Number(process.env.ABP_FUZZ_SEED ?? 20261201);
    const rep = await fuzzInput({ seed, count: 300, perRun: 16 });
    expect(rep.failures).toEqual([]);
    expect(rep.mutated).toBe(300);
    // The run did meet bad lines and wrote good ones, with most kinds of mutation.
    expect(rep.badLines).toBeGreaterThan(50);
    expect(rep.rowsWritten).toBeGreaterThan(300);
    expect(Object.keys(rep.kinds).length).toBeGreaterThan(MUTATION_NAMES.length - 4);
  });
});
