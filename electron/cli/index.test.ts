/**
 * The CLI's entry with the services watched: the usage lists every command in its column, a bad
 * input's field issues reach stderr one per line, and the services are disposed however a command
 * ends (a job it started must not outlive the process's answer).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Services from '../services';
import { commands } from './commands';
import { main } from './index';

const disposed = vi.hoisted(() => ({ count: 0 }));

vi.mock('../services', async (actual) => {
  const services = await actual<typeof Services>();
  return {
    ...services,
    createServices: (...args: Parameters<typeof services.createServices>) => {
      const created = services.createServices(...args);
      return {
        ...created,
        dispose: async () => {
          disposed.count++;
          await created.dispose();
        },
      };
    },
  };
});

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) }, { env: { PATH: '' } });
  return { code, out, err };
}

afterEach(() => {
  disposed.count = 0;
});

describe('cluster-lab’s entry', () => {
  it('lists each command with its summary in one column', async () => {
    const { out } = await run(['--help']);
    for (const command of commands) expect(out).toContain(`\n  ${command.name.padEnd(14)}${command.summary}\n`);
    expect(out.startsWith('Usage: cluster-lab <command> [options]\n')).toBe(true);
  });

  it('prints each field a bad input names on a line of its own, after the message', async () => {
    const { code, err } = await run(['render', '--dir', '/tmp/cluster-lab-never', '--cpus', '0', '--memory', '12']);
    expect(code).toBe(2);
    const lines = err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^cluster-lab render: /);
    expect(lines.slice(1).length).toBeGreaterThanOrEqual(2);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}\S.*: \S/);
  });

  it('prints a failure without field issues as its one line', async () => {
    const { code, err } = await run(['status', '--dir', '/nonexistent/cluster-lab-lab']);
    expect(code).toBe(1);
    expect(err.trimEnd().split('\n')).toEqual([expect.stringMatching(/^cluster-lab status: /)]);
  });

  it('disposes the services when a command succeeds and when it fails', async () => {
    expect((await run(['doctor', '--json'])).code).toBeLessThan(2);
    expect(disposed.count).toBe(1);
    expect((await run(['render', '--cpus', '0'])).code).toBe(2);
    expect(disposed.count).toBe(2);
  });
});
