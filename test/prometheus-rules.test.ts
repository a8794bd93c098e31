import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RECORDING } from './fleet-telemetry.js';
import { ROOT } from './watch-process.js';

// The shipped deploy/ files checked by the tools that read them: promtool
// (Debian's prometheus package), amtool (prometheus-alertmanager) and
// systemd-analyze. Each part skips, saying why, when its tool is missing.
const DEPLOY = join(ROOT, 'deploy');
const has = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const run = (cmd: string, args: string[], cwd = DEPLOY) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};
const dir = mkdtempSync(join(tmpdir(), 'abp-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const t of ['promtool', 'amtool', 'systemd-analyze']) if (!has(t)) console.warn(`prometheus-rules: ${t} checks skipped: no ${t} (apt-get install prometheus prometheus-alertmanager systemd)`);

describe.skipIf(!has('promtool'))('promtool on deploy/prometheus', () => {
  it('the rules are valid and pass their unit tests (the shipped timings)', () => {
    const check = run('promtool', ['check', 'rules', 'prometheus/abp-watch.rules.yml']);
    expect(check.out).toMatch(/SUCCESS: 3 rules found/);
    expect(check.status).toBe(0);
    const test = run('promtool', ['test', 'rules', 'abp-watch.rules.test.yml'], join(DEPLOY, 'prometheus'));
    expect(test.out).toMatch(/SUCCESS/);
    expect(test.status).toBe(0);
  });

  it('the unit tests catch a rule that fires too early', () => {
    // A copy with the mining rule's `for` at 30 s must fail its test.
    const rules = readFileSync(join(DEPLOY, 'prometheus/abp-watch.rules.yml'), 'utf8').replace(/^(\s+for: )1m$/m, '$130s');
    writeFileSync(join(dir, 'abp-watch.rules.yml'), rules);
    writeFileSync(join(dir, 'abp-watch.rules.test.yml'), readFileSync(join(DEPLOY, 'prometheus/abp-watch.rules.test.yml')));
    const test = run('promtool', ['test', 'rules', 'abp-watch.rules.test.yml'], dir);
    expect(test.status).not.toBe(0);
    expect(test.out).toMatch(/alertname: GpuMiningSuspected, time: 1m15s/);
  });

  it('the scrape configuration is valid', () => {
    const r = run('promtool', ['check', 'config', 'prometheus.yml'], join(DEPLOY, 'prometheus'));
    expect(r.out).toMatch(/SUCCESS: prometheus.yml is valid/);
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!has('amtool'))('amtool on deploy/alertmanager', () => {
  it('the configuration is valid and routes mining to security, a blind watch to the GPU operators', () => {
    const cfg = ['--config.file=alertmanager/alertmanager.yml'];
    expect(run('amtool', ['check-config', 'alertmanager/alertmanager.yml']).status).toBe(0);
    const route = (...labels: string[]) => run('amtool', ['config', 'routes', 'test', ...cfg, ...labels]).out.split('\n')[0];
    expect(route('alertname=GpuMiningSuspected', 'host=n1', 'gpu=GPU-1')).toBe('security-oncall');
    expect(route('alertname=AbpWatchDown', 'instance=n1')).toBe('gpu-ops');
    expect(route('alertname=AbpWatchNoSamples', 'instance=n1')).toBe('gpu-ops');
    expect(route('alertname=SomethingElse')).toBe('default');
  });
});

describe('deploy/systemd', () => {
  const unit = readFileSync(join(DEPLOY, 'systemd/abp-watch.service'), 'utf8');

  it.skipIf(!has('systemd-analyze'))('systemd-analyze verifies the unit', () => {
    // verify wants ExecStart's binary to exist; point it at one that does.
    writeFileSync(join(dir, 'abp-watch.service'), unit.replace('/usr/local/bin/abp ', `${process.execPath} `));
    const r = run('systemd-analyze', ['verify', join(dir, 'abp-watch.service')]);
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it("runs as an unprivileged, restartable service, and its command line is one abp watch accepts", () => {
    const keys = (k: string) => [...unit.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => m[1]);
    expect(keys('DynamicUser')).toEqual(['yes']);
    expect(keys('User')).toEqual([]);
    expect(keys('Restart')).toEqual(['on-failure']);
    expect(keys('KillSignal')).toEqual(['SIGTERM']);
    expect(keys('CapabilityBoundingSet')).toEqual(['']);
    expect(keys('NoNewPrivileges')).toEqual(['yes']);
    // ExecStart with the defaults of abp-watch.default, run on a replay.
    const env = Object.fromEntries(
      readFileSync(join(DEPLOY, 'systemd/abp-watch.default'), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const [exec] = keys('ExecStart');
    const argv = exec
      .replace(/\$\{(\w+)\}/g, (_, k: string) => env[k] ?? '')
      .replace(/\$(\w+)/g, (_, k: string) => env[k] ?? '')
      .split(/\s+/)
      .filter(Boolean);
    expect(argv.slice(0, 2)).toEqual(['/usr/local/bin/abp', 'watch']);
    const args = argv.slice(2).map((a) => (a === '127.0.0.1:9464' ? '127.0.0.1:0' : a));
    expect(args).toContain('--metrics-listen');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'watch', ...args, '--input', RECORDING, '--count', '3'], { cwd: ROOT, encoding: 'utf8' });
    // The address it serves on, then which model scores the recording's one GPU (no GPM values: the classic one).
    expect(r.stderr).toMatch(
      /^abp watch: serving metrics on http:\/\/127\.0\.0\.1:\d+\/metrics\nabp watch: GPU-8caf8210-5aea-c543-c8df-e0160da9557f: scored by abp-nvsmi-xgb \(its records carry no GPM values\)\n$/,
    );
    expect(r.status).toBe(0);
  });
});
