import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonOut } from './jsonShapes.testing';
import { runCli } from './runCli';

const fakeBin = path.resolve(import.meta.dirname, '../../fixtures/bin');
const env = { ...process.env, PATH: `${fakeBin}${path.delimiter}${process.env.PATH}` };

const run = (argv: string[]) => runCli(argv, { env });

/** This machine's LAN NIC, as os.networkInterfaces() sees it. */
const lan = Object.entries(os.networkInterfaces())
  .flatMap(([name, addresses]) => (addresses ?? []).map((a) => ({ name, ...a })))
  .find((a) => a.family === 'IPv4' && !a.internal)!;

describe('cluster-lab nics and plan', () => {
  it('nics --json lists every interface in the documented shape, excluded ones with the reason', async () => {
    const { code, out } = await run(['nics', '--json']);
    expect(code).toBe(0);
    const report = jsonOut<{ gateway: string | null; nics: Record<string, unknown>[] }>('nics', out);
    expect(Object.keys(report)).toEqual(['schemaVersion', 'gateway', 'nics']);
    for (const nic of report.nics)
      expect(Object.keys(nic)).toEqual([
        'name',
        'bridgeName',
        'bridgeNameSource',
        'ipv4',
        'prefixLength',
        'mac',
        'type',
        'up',
        'default',
        'excluded',
      ]);
    expect(report.nics.find((n) => n.name === lan.name)).toMatchObject({ ipv4: lan.address, excluded: null, bridgeNameSource: 'virtualbox' });
    expect(report.nics.find((n) => n.name === 'lo')).toMatchObject({ type: 'loopback', excluded: { reason: expect.stringMatching(/^loopback/) } });
  });

  it('plan --json gives the plan in the documented shape, inside the NIC subnet', async () => {
    const { code, out } = await run(['plan', '--nic', lan.name, '--agents', '3', '--json']);
    expect(code).toBe(0);
    const plan = jsonOut<{ server: { ip: string }; agents: { name: string; ip: string }[] }>('plan', out);
    expect(Object.keys(plan)).toEqual(['schemaVersion', 'nic', 'bridge', 'subnet', 'gateway', 'dns', 'server', 'agents', 'skipped']);
    expect(plan).toMatchObject({ nic: lan.name, bridge: lan.name, dns: ['1.1.1.1', '8.8.8.8'], server: { name: 'cluster-lab-server' } });
    expect(plan.agents.map((a) => a.name)).toEqual(['agent1', 'agent2', 'agent3']);
    const prefix = lan.address.split('.').slice(0, 3).join('.');
    for (const ip of [plan.server.ip, ...plan.agents.map((a) => a.ip)]) expect(ip.startsWith(`${prefix}.`)).toBe(true);
  });

  it('refuses an unknown or excluded NIC with exit 2, listing the ones that can be picked', async () => {
    const unknown = await run(['plan', '--nic', 'nosuch0']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no network interface called "nosuch0"/);
    expect(unknown.err).toContain(`NICs that can be picked: ${lan.name}`);
    // With --json the same error is the one object on stdout, and stderr stays empty.
    const json = await run(['plan', '--nic', 'nosuch0', '--json']);
    expect(json).toMatchObject({ code: 2, err: '' });
    const { error } = jsonOut<{ error: { code: string; message: string; hint: string } }>('error', json.out);
    expect(error.code).toBe('invalid_input');
    expect(`${error.message} ${error.hint}`).toMatch(/no network interface called "nosuch0".*NICs that can be picked/s);
    const loopback = await run(['plan', '--nic', 'lo']);
    expect(loopback.code).toBe(2);
    expect(loopback.err).toMatch(/lo cannot be bridged: loopback/);
  });

  it('refuses a bad agent count or a missing --nic with exit 2', async () => {
    expect(await run(['plan', '--nic', lan.name, '--agents', '10'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--agents must be a whole number from 0 to 9/),
    });
    expect(await run(['plan', '--agents', '2'])).toMatchObject({ code: 2, err: expect.stringMatching(/--nic NAME/) });
  });
});
