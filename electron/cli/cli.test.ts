import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedLab } from '../../shared/render/testing';
import { writeLab } from '../services/labFolder';
import { fakeToolsContext } from '../../fixtures/env';
import { tempDirs } from '../../fixtures/tmp';
import { commands } from './commands';
import { main } from './index';
import { jsonOut } from './jsonShapes.testing';

const tempDir = tempDirs('cli');

async function run(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) }, { env });
  return { code, out, err };
}

describe('cluster-lab', () => {
  it('prints its version', async () => {
    expect(await run(['--version'])).toMatchObject({ code: 0, out: '0.0.0-test\n' });
  });

  it('lists its commands in --help in the order of the README’s flow', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    const listed = [...help.out.matchAll(/^ {2}([a-z0-9]+) +\S/gm)].map((m) => m[1]);
    expect(listed).toEqual([
      'doctor',
      'labs',
      'nics',
      'plan',
      'render',
      'k3s',
      'up',
      'status',
      'jobs',
      'check',
      'kubeconfig',
      'telepresence',
      'down',
      'provision',
      'destroy',
    ]);
    expect([...commands.map((c) => c.name)].sort()).toEqual([...new Set(listed)].sort());
  });

  it('refuses an unknown command in one line with exit 2, suggesting the nearest only when it is close', async () => {
    expect(await run(['stauts'])).toEqual({ code: 2, out: '', err: "cluster-lab: unknown command 'stauts'. Did you mean 'status'?\n" });
    expect(await run(['kubeconfg'])).toMatchObject({ code: 2, err: "cluster-lab: unknown command 'kubeconfg'. Did you mean 'kubeconfig'?\n" });
    expect(await run(['frobnicate'])).toEqual({
      code: 2,
      out: '',
      err: "cluster-lab: unknown command 'frobnicate'. Run cluster-lab --help for the list.\n",
    });
    expect(await run(['x'])).toMatchObject({ code: 2, err: expect.not.stringContaining('Did you mean') });
    const json = await run(['stauts', '--json']);
    expect(json).toMatchObject({ code: 2, err: '' });
    expect(jsonOut('error', json.out)).toMatchObject({
      error: { code: 'invalid_input', message: "unknown command 'stauts'. Did you mean 'status'?" },
    });
  });

  it('names a bad flag in one line, suggesting the nearest, and exits 2', async () => {
    const lines = async (argv: string[]) => {
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.out).toBe('');
      expect(result.err.endsWith('\n') && result.err.split('\n').length, result.err).toBe(2);
      return result.err.trimEnd();
    };
    expect(await lines(['doctor', '--jsn'])).toBe(
      "cluster-lab doctor: unknown option '--jsn'. Did you mean '--json'? Usage: cluster-lab doctor [--json] [--dir DIR]",
    );
    expect(await lines(['status', '--frobnicate'])).toBe(
      "cluster-lab status: unknown option '--frobnicate'. Usage: cluster-lab status --dir DIR [--json]",
    );
    expect(await lines(['status', '--dir'])).toMatch(/^cluster-lab status: --dir needs a value\. Usage: /);
    expect(await lines(['status', '--json=yes'])).toMatch(/^cluster-lab status: --json takes no value\. Usage: /);
    expect(await lines(['status', 'lab'])).toMatch(/^cluster-lab status: unexpected argument 'lab': every value follows its flag\. Usage: /);
  });

  it('doctor --json reports real tools on this PATH', async () => {
    const { code, out } = await run(['doctor', '--json']);
    const report = jsonOut<{ host: { cpus: number }; tools: Record<string, unknown> }>('doctor', out);
    expect(report.host.cpus).toBeGreaterThan(0);
    expect(report.tools.kubectl).toMatchObject({
      found: true,
      path: expect.stringMatching(/kubectl$/),
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(code === 0 || code === 1).toBe(true);
  });

  it('doctor --json with an empty PATH reports every tool missing and still exits cleanly', async () => {
    const { out, err } = await run(['doctor', '--json'], { PATH: '' });
    const report = JSON.parse(out);
    for (const tool of ['vagrant', 'VBoxManage', 'kubectl', 'telepresence'])
      expect(report.tools[tool]).toEqual({ found: false, path: null, version: null, error: null });
    expect(err).toBe('');
  });
});

describe('cluster-lab exit codes', () => {
  it('no command: the usage on stdout, exit 2; help, -h and --help: exit 0', async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.out).toMatch(/^Usage: cluster-lab <command>/);
    for (const ask of ['help', '-h', '--help']) expect((await run([ask])).code).toBe(0);
  });

  it('a command’s own --help or -h: its usage, exit 0, nothing run', async () => {
    for (const ask of ['--help', '-h']) {
      const help = await run(['render', ask]);
      expect(help).toMatchObject({ code: 0, err: '' });
      expect(help.out).toMatch(/cluster-lab render/);
    }
    expect((await run(['-v'])).out).toBe('0.0.0-test\n');
  });

  it('a failure that is not bad input exits 1 and names the command', async () => {
    const missing = await run(['status', '--dir', '/nonexistent/cluster-lab-lab']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^cluster-lab status: /);
  });

  it('with --json, bad input with several problems is one error object listing each flag in issues, exit 2', async () => {
    const bad = await run(['render', '--dir', '/nonexistent/cluster-lab-never', '--cpus', 'two', '--memory', 'lots', '--json']);
    expect(bad).toMatchObject({ code: 2, err: '' });
    const { error } = jsonOut<{ error: { code: string; issues: { field: string }[] } }>('error', bad.out);
    expect(error.code).toBe('invalid_input');
    expect(error.issues.map((issue) => issue.field).slice(0, 2)).toEqual(['--memory', '--cpus']);
    expect(error.issues.length).toBeGreaterThan(2);
    const flag = await run(['doctor', '--jsn', '--json']);
    expect(flag.code).toBe(2);
    expect(jsonOut('error', flag.out)).toEqual({
      schemaVersion: 1,
      error: {
        code: 'invalid_input',
        message: "unknown option '--jsn'. Did you mean '--json'?",
        hint: 'Usage: cluster-lab doctor [--json] [--dir DIR]',
        field: '--jsn',
      },
    });
  });

  it('status --json when Vagrant cannot be asked: the nodes as lab.json names them, error an object, exit 1', async () => {
    const home = await tempDir();
    const dir = path.join(home, 'lab');
    await writeLab(dir, seedLab());
    const status = await run(['status', '--dir', dir, '--json'], { PATH: '' });
    expect(status.code).toBe(1);
    expect(jsonOut('status', status.out)).toMatchObject({
      clusterReachable: false,
      error: { code: 'failed', message: expect.stringMatching(/vagrant/i) },
    });
  });

  it('doctor exits 0 when its checks only warn', async () => {
    const home = await tempDir();
    const { code, out } = await run(['doctor', '--json'], fakeToolsContext(home).env);
    const checks = (JSON.parse(out) as { checks: { status: string }[] }).checks;
    expect(checks.some((c) => c.status === 'warn')).toBe(true);
    expect(checks.some((c) => c.status === 'fail')).toBe(false);
    expect(code).toBe(0);
  });
});
