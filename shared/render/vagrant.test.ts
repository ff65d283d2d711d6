/**
 * Real tools on generated labs: many labs from fast-check, each either refused by the schema or
 * rendered into a Vagrantfile that `ruby -c` accepts, that loads (in a recording stand-in for
 * Vagrant) with exactly the lab's values, whose provision scripts `sh -n` accepts, and - for a
 * batch of them - that the real `vagrant validate --ignore-provider` accepts. Hostile names try to
 * create a marker file when Ruby or the shell reads them; the marker must never appear.
 */
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../electron/services/process';
import { MAX_AGENTS, validateLab, type LabConfig } from '../lab/schema';
import { seedLab } from './testing';
import { SERVER_MACHINE } from '../lab/machines';
import { netmaskFromPrefix, parseCidr } from '../lab/net';
import { renderVagrantfile } from './vagrantfile';

const harness = path.join(import.meta.dirname, 'vagrantfile-harness.rb');
const foldersProbe = path.join(import.meta.dirname, 'vagrantfile-folders.rb');
let work: string;
let marker: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-vagrant-'));
  marker = path.join(work, 'MARKER');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Every way we know to make Ruby or a shell run a value: each one tries to create the marker. */
function hostile(): string[] {
  const m = marker;
  return [
    `'; File.write('${m}', 'ruby'); '`,
    `#{File.write('${m}', 'interpolated')}`,
    `\`touch ${m}\``,
    `$(touch ${m})`,
    `"; system("touch ${m}"); "`,
    `\\'; File.write('${m}', 'backslash'); #`,
    `x' + File.write('${m}', 'plus') + '`,
    `SHELL`,
    `it's "quoted" & $HOME ; | > < * ?`,
    `line\nbreak; touch ${m}`,
    `nul\0; touch ${m}`,
    `cr\r; touch ${m}`,
  ];
}

const realisticNic = fc.constantFrom('wlp5s0', 'eth0', 'enp3s0', 'en0: Wi-Fi (AirPort)', 'Intel(R) Ethernet Connection (7) I219-V', 'br0');

interface Case {
  config: unknown;
  why: string;
}

function labArbitrary(): fc.Arbitrary<Case> {
  const payload = fc.constantFrom(...hostile());
  const often = <T>(arbitrary: fc.Arbitrary<T>, weight = 6) => ({ arbitrary, weight });
  const bridge = fc.oneof(often(realisticNic, 1), often(payload, 2), often(fc.string({ maxLength: 30 }), 1));
  const box = fc.oneof(
    often(fc.constantFrom('bento/ubuntu-24.04', 'bento/debian-12', 'mybox', 'https://example.test/b/noble.box', 'file:///srv/boxes/noble.box'), 2),
    often(payload, 1),
    often(
      payload.map((p) => `/srv/boxes/${p}.box`),
      3,
    ),
  );
  // Host names are strict, so most are valid ones: a refused name says nothing about rendering.
  const name = fc.oneof(
    often(fc.constantFrom('multi', 'k3s-server', 'lab.example', 'SHELL')),
    often(payload, 1),
    often(fc.string({ maxLength: 12 }), 1),
  );
  return fc
    .record({
      bridge,
      nic: fc.oneof(realisticNic, payload),
      box,
      serverName: name,
      agentNames: fc.array(fc.oneof(often(fc.constantFrom('agent1', 'worker-a', 'n2'), 20), often(payload, 1)), { maxLength: MAX_AGENTS }),
      memoryMb: fc.integer({ min: 1024, max: 16384 }),
      cpus: fc.integer({ min: 1, max: 8 }),
      linkedClone: fc.boolean(),
      registry: fc.boolean(),
      k3s: fc.oneof(
        fc.constantFrom('stable', 'latest', 'v1.33').map((value) => ({ source: 'channel' as const, value })),
        // As lab.write leaves it: the channel and the release it pointed at.
        fc
          .tuple(fc.constantFrom('stable', 'latest', 'v1.33'), fc.constantFrom('v1.33.5+k3s1', 'v1.34.0-rc1+k3s1'))
          .map(([value, version]) => ({ source: 'channel' as const, value, version })),
        fc.constantFrom('v1.33.5+k3s1', 'v1.32.9+k3s1').map((value) => ({ source: 'version' as const, value })),
      ),
    })
    .map((v) => {
      const lab = seedLab();
      const agents = v.agentNames.map((agentName, i) => ({ name: i === 0 ? agentName : `${agentName}${i}`, ip: `192.168.1.${111 + i}` }));
      return {
        why: JSON.stringify({ bridge: v.bridge, box: v.box, server: v.serverName }),
        config: {
          ...lab,
          network: { ...lab.network, nic: v.nic, bridge: v.bridge },
          server: { name: v.serverName, ip: '192.168.1.110' },
          agents,
          vm: { memoryMb: v.memoryMb, cpus: v.cpus, box: v.box, linkedClone: v.linkedClone },
          k3s: v.k3s,
          registry: { enabled: v.registry },
        },
      };
    });
}

interface Recorded {
  path: string[];
  args: unknown[];
  options: Record<string, unknown>;
}

/** What the Vagrantfile told Vagrant, per machine: hostname, bridge and IP, and the scripts. */
function machines(calls: Recorded[]) {
  const byMachine = new Map<string, { hostname?: unknown; network?: Recorded; scripts: Record<string, string>; always: string[] }>();
  for (const call of calls) {
    if (call.path[1] !== 'define' || call.path.length < 4) continue;
    const machine = call.path[2]!;
    const entry = byMachine.get(machine) ?? { scripts: {}, always: [] };
    byMachine.set(machine, entry);
    const what = call.path.at(-1);
    if (what === 'hostname=') entry.hostname = call.args[0];
    if (what === 'network') entry.network = call;
    if (what === 'provision') {
      const name = String(call.args[0]);
      entry.scripts[name] = String(call.options.inline);
      if (call.options.run === 'always') entry.always.push(name);
    }
  }
  return byMachine;
}

async function checkRendered(dir: string, lab: LabConfig): Promise<void> {
  const file = path.join(dir, 'Vagrantfile');
  const syntax = await runTool('ruby', ['-c', file]);
  expect(syntax.stdout, syntax.stderr).toBe('Syntax OK');
  const loaded = await runTool('ruby', [harness, file]);
  expect(loaded.exitCode, loaded.stderr).toBe(0);
  const calls = JSON.parse(loaded.stdout) as Recorded[];
  const box = calls.find((c) => c.path.join('.') === 'vm.box=');
  expect(box).toBeDefined();
  const found = machines(calls);
  const expected = [{ machine: SERVER_MACHINE, name: lab.server.name, ip: lab.server.ip }, ...lab.agents.map((a) => ({ machine: a.name, ...a }))];
  const netmask = netmaskFromPrefix(parseCidr(lab.network.subnet)!.prefixLength);
  expect([...found.keys()]).toEqual(expected.map((e) => e.machine));
  for (const node of expected) {
    const machine = found.get(node.machine)!;
    expect(machine.hostname).toBe(node.name);
    expect(machine.network?.args).toEqual(['public_network']);
    expect(machine.network?.options).toEqual({ bridge: lab.network.bridge, ip: node.ip, netmask });
    expect(Object.keys(machine.scripts)).toEqual(['network', 'k3s']);
    expect(machine.always).toEqual(['network']);
    for (const script of Object.values(machine.scripts)) {
      expect(script).toContain(`NODE_IP='${node.ip}'\n`);
      expect(script).toContain(`NODE_NAME='${node.name.toLowerCase()}'\n`);
      const parsed = await runTool('sh', ['-n', '-c', script]);
      expect(parsed.exitCode, parsed.stderr).toBe(0);
    }
  }
}

let counter = 0;
async function writeLabDir(lab: LabConfig): Promise<string> {
  const dir = path.join(work, `lab-${counter++}`);
  await mkdir(path.join(dir, 'shared'), { recursive: true });
  await writeFile(path.join(dir, 'Vagrantfile'), renderVagrantfile(lab));
  return dir;
}

describe('generated labs under real Ruby and Vagrant', () => {
  const accepted: { dir: string; why: string }[] = [];

  it('every lab is refused by the schema or renders into a Vagrantfile that loads with exactly its values', async () => {
    let refused = 0;
    // A fixed seed keeps the mix of refused and accepted labs stable; a failure shrinks to the smallest lab that breaks.
    await fc.assert(
      fc.asyncProperty(labArbitrary(), async ({ config, why }) => {
        const result = validateLab(config);
        if (!result.ok) {
          refused++;
          return;
        }
        const dir = await writeLabDir(result.config);
        await checkRendered(dir, result.config);
        accepted.push({ dir, why });
      }),
      { numRuns: 80, seed: 4242 },
    );
    // Both kinds must really occur, or the property says nothing.
    expect(refused).toBeGreaterThan(5);
    expect(accepted.length).toBeGreaterThan(20);
    expect(accepted.some((a) => hostile().some((h) => a.why.includes(JSON.stringify(h).slice(1, -1))))).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  it('the schema refuses every hostile host name and every control character', () => {
    // `SHELL` is a fine host name; it is in the list for the heredocs, which must not end early.
    for (const payload of hostile().filter((p) => p !== 'SHELL')) {
      const lab = { ...seedLab(), server: { name: payload, ip: '192.168.1.110' } };
      expect(validateLab(lab).ok, payload).toBe(false);
    }
    for (const payload of hostile().filter((p) => /[\0\n\r]/.test(p))) {
      const lab = seedLab();
      for (const broken of [
        { ...lab, network: { ...lab.network, bridge: payload } },
        { ...lab, vm: { ...lab.vm, box: `${payload}.box` } },
      ]) {
        expect(validateLab(broken).ok, JSON.stringify(payload)).toBe(false);
      }
    }
  });

  it('vagrant validate --ignore-provider accepts a batch of them, hostile ones included, and nothing runs', async () => {
    const fixed = [
      seedLab(),
      { ...seedLab(), agents: [] },
      { ...seedLab(), agents: Array.from({ length: MAX_AGENTS }, (_, i) => ({ name: `agent${i + 1}`, ip: `192.168.1.${111 + i}` })) },
      { ...seedLab(), registry: { enabled: false }, vm: { ...seedLab().vm, box: 'https://example.test/boxes/noble.box', linkedClone: false } },
    ];
    const dirs = await Promise.all(fixed.map(writeLabDir));
    // The generated ones with the nastiest names first, to 16 runs in all.
    const hostileFirst = [...accepted].sort((a, b) => score(b.why) - score(a.why));
    const picked = hostileFirst.slice(0, 16 - dirs.length);
    expect(picked.filter((a) => score(a.why) > 0).length).toBeGreaterThanOrEqual(8);
    dirs.push(...picked.map((a) => a.dir));
    const env = { ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_DEFAULT_PROVIDER: 'virtualbox' };
    const results: { dir: string; exitCode: number | null; output: string }[] = [];
    // At most two vagrant processes at a time: each one is a Ruby VM loading every plugin.
    const queue = [...dirs];
    await Promise.all(
      [0, 1].map(async () => {
        for (let dir = queue.shift(); dir; dir = queue.shift()) {
          const run = await runTool('vagrant', ['validate', '--ignore-provider'], { cwd: dir, env, timeoutMs: 60_000 });
          results.push({ dir, exitCode: run.exitCode, output: `${run.stdout}\n${run.stderr}` });
        }
      }),
    );
    for (const result of results) {
      expect(result.output, result.dir).toContain('Vagrantfile validated successfully.');
      expect(result.exitCode, result.output).toBe(0);
    }
    expect(results).toHaveLength(16);
    expect(existsSync(marker)).toBe(false);
  }, 120_000);
});

function score(why: string): number {
  return hostile().filter((h) => why.includes(JSON.stringify(h).slice(1, -1))).length;
}

describe('what a guest can reach on the host, as Vagrant itself reads the Vagrantfile', () => {
  it('every machine syncs ./shared alone, without links made by the guest: the default . -> /vagrant share is disabled', async () => {
    const labs = [seedLab(), { ...seedLab(), registry: { enabled: false }, agents: [] }];
    const dirs = await Promise.all(labs.map(writeLabDir));
    // The stub VBoxManage beside the fakes, should the VirtualBox plugin ask for a version while loading.
    const env = { ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1', PATH: `${path.resolve('fixtures/bin')}${path.delimiter}${process.env.PATH}` };
    for (const [i, dir] of dirs.entries()) {
      const run = await runTool('ruby', [foldersProbe, dir], { env, timeoutMs: 60_000 });
      expect(run.exitCode, run.stderr).toBe(0);
      const folders = JSON.parse(run.stdout) as Record<string, Record<string, Record<string, unknown>>>;
      const machines = [SERVER_MACHINE, ...labs[i]!.agents.map((a) => a.name)];
      expect(Object.keys(folders)).toEqual(machines);
      for (const machine of machines) {
        expect(folders[machine], machine).toEqual({
          '/vagrant': { hostpath: '.', disabled: true },
          '/vagrant_shared': { hostpath: './shared', disabled: false, SharedFoldersEnableSymlinksCreate: false },
        });
      }
    }
  }, 120_000);
});
