import { describe, expect, it } from 'vitest';
import { fakeToolsContext } from '../../fixtures/env';
import { tempDirs } from '../../fixtures/tmp';
import { main } from './index';

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

  it('lists its commands in --help, and refuses an unknown one with exit 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/doctor/);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/Unknown command "frobnicate"/);
  });

  it('names a bad flag and exits 2', async () => {
    const bad = await run(['doctor', '--jsn']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--jsn/);
  });

  it('doctor --json reports real tools on this PATH', async () => {
    const { code, out } = await run(['doctor', '--json']);
    const report = JSON.parse(out);
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
      expect(report.tools[tool]).toEqual({ found: false, path: null, version: null });
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

  it('doctor exits 0 when its checks only warn', async () => {
    const home = await tempDir();
    const { code, out } = await run(['doctor', '--json'], fakeToolsContext(home).env);
    const checks = (JSON.parse(out) as { checks: { status: string }[] }).checks;
    expect(checks.some((c) => c.status === 'warn')).toBe(true);
    expect(checks.some((c) => c.status === 'fail')).toBe(false);
    expect(code).toBe(0);
  });
});
