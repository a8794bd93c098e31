/**
 * The command line as a new user meets it (issue 11 items 1-4):
 * `-` for stdin/stdout, usage errors that stop before anything runs, both
 * option spellings and abp-fil's own --version.
 * Every case spawns the real CLI on the real telemetry.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fakeScripts } from './fake-nvidia-smi.js';
import { abp } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const REPO = path.join(ROOT, 'test/pipeline-data/models');
const TEXT = gunzipSync(fs.readFileSync(DATA)).toString('utf8');
const GOLDEN = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/pipeline-data/dev-xgb.predictions.json'), 'utf8')) as number[];
const FLAGGED = GOLDEN.filter((p) => p > 0.5).length;
const { dir: scripts, fake } = fakeScripts('abp-cli-usage-');

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'abp-cli-usage-'));
}

function records(text: string): Array<Record<string, unknown>> {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('abp detect pipes through - and -', () => {
  it('stdin to stdout: the records on stdout, the summary on stderr', async () => {
    const r = await abp(['detect', '-', '-', '--model_name=dev-xgb', `--model_repository=${REPO}`], { input: TEXT });
    expect(r.stderr).not.toMatch(/needs a filename/);
    expect(r.code).toBe(0);
    const out = records(r.stdout);
    expect(out.length).toBe(1020);
    out.forEach((o, i) => expect(o.mining).toBe(GOLDEN[i] > 0.5));
    expect(r.stderr).toContain('rows read:    1020');
    expect(r.stderr).toContain(`rows flagged: ${FLAGGED} (mining)`);
  });

  it('a file to stdout, and stdin to a file', async () => {
    const a = await abp(['detect', DATA, '-', '--model-name=dev-xgb', `--model-repository=${REPO}`]);
    expect(a.code).toBe(0);
    expect(records(a.stdout).length).toBe(1020);
    expect(a.stderr).toContain('rows read:    1020');
    const out = path.join(tmpdir(), 'o.jsonlines');
    const b = await abp(['detect', '-', out, '--model-name=dev-xgb', `--model-repository=${REPO}`], { input: TEXT });
    expect(b.code).toBe(0);
    expect(records(fs.readFileSync(out, 'utf8')).length).toBe(1020);
    expect(b.stdout).toContain('input:        -');
  });
});

describe('usage errors stop before anything runs', () => {
  it('a mistyped detect option: exit 2, no output file, no engine started', async () => {
    const out = path.join(tmpdir(), 'o.jsonlines');
    const r = await abp(['detect', DATA, out, '--overwirte']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument: overwirte/);
    expect(r.stderr).not.toMatch(/engine:/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('abp detect with no arguments: one usage error, no TypeError', async () => {
    const r = await abp(['detect']);
    expect(r.code).toBe(2);
    expect(r.stderr.match(/Error:/g)?.length).toBe(1);
    expect(r.stderr).toMatch(/give the input: abp detect IN \[OUT\]/);
    expect(r.stderr).not.toMatch(/TypeError|Cannot read properties/);
  });

  it('watch --windw and collect --cnt never call nvidia-smi nor write', async () => {
    const marker = path.join(scripts, 'called');
    const smi = fake('marking-smi', `touch '${marker}'; exit 1`);
    const w = await abp(['watch', '--windw=3', '--count=1', '--nvidia-smi', smi]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/Unknown argument: windw/);
    const out = path.join(tmpdir(), 'c.jsonl');
    const c = await abp(['collect', '--cnt=1', '--count=1', '--nvidia-smi', smi, '-o', out]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/Unknown argument: cnt/);
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('option spellings', () => {
  it('detect takes snake_case and kebab-case alike, with the same result', async () => {
    const snake = await abp(['detect', DATA, '--json', '--model_name=dev-xgb', `--model_repository=${REPO}`, '--pipeline_batch_size=100', '--on_error=skip']);
    const kebab = await abp(['detect', DATA, '--json', '--model-name=dev-xgb', `--model-repository=${REPO}`, '--pipeline-batch-size=100', '--on-error=skip']);
    expect(snake.code).toBe(0);
    expect(kebab.code).toBe(0);
    const a = JSON.parse(snake.stdout) as { flagged: number };
    const b = JSON.parse(kebab.stdout) as { flagged: number };
    expect(a.flagged).toBe(FLAGGED);
    expect(b.flagged).toBe(FLAGGED);
  });

  it('watch and collect take snake_case too', async () => {
    const w = await abp(['watch', '--input', DATA, '--count=3', '--format=json', '--model_repository', REPO, '--model=dev-xgb', '--min_flagged=3', '--alerts_only', '--history_threshold=0.8']);
    // Nothing but the notice that this repository has no partner model for the job history.
    expect(w.stderr).toBe('abp watch: job history off: the model repository has no abp-gpm-partner-xgb\n');
    expect(w.code).toBe(0);
    const smi = fake('fail-smi', 'exit 1');
    const c = await abp(['collect', '--count=1', '--on_error=skip', '--max_errors=1', '--nvidia_smi', smi]);
    expect(c.stderr).not.toMatch(/Unknown argument/);
    expect(c.stderr).toMatch(/giving up after 1 failed ticks? in a row/);
  });

  it('abp run takes kebab-case too (and shows Morpheus\' snake_case)', async () => {
    const out = path.join(tmpdir(), 'o.jsonlines');
    const r = await abp(['run', '--pipeline-batch-size=100', 'pipeline-fil', 'from-file', `--filename=${DATA}`, '--file-type=gz', 'deserialize', 'preprocess', 'inf-fil', '--model-name=dev-xgb', `--model-repository=${REPO}`, 'add-class', 'serialize', 'to-file', `--filename=${out}`]);
    expect(r.code).toBe(0);
    expect(records(fs.readFileSync(out, 'utf8')).filter((o) => o.mining).length).toBe(FLAGGED);
    const help = await abp(['run', 'pipeline-fil', 'inf-fil', '--help']);
    expect(help.stdout).toContain('--model_name');
  });

  it('help shows one spelling: kebab-case, for every yargs command', async () => {
    for (const cmd of ['detect', 'watch', 'collect']) {
      const r = await abp([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/--[a-z]+-[a-z]/);
      expect(r.stdout.match(/--[a-z]+_[a-z_]+/g), `${cmd} --help`).toBeNull();
    }
  });
});

it("abp --version is abp-fil's own, whatever the working directory", async () => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '9.9.9' }));
  const own = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const r = await abp(['--version'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stdout.trim()).toBe(own);
});
