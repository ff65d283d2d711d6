/** `cluster-lab render` end to end through the CLI's own entry point, on real folders. */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderLabJson } from '../../shared/render';
import { seedLab } from '../../shared/render/testing';
import { createServices } from '../services';
import { main } from './index';
import { jsonOut } from './jsonShapes.testing';
import { loopbackServer } from '../../fixtures/loopbackServer';
import { fakeToolsContext } from '../../fixtures/env';
import { seedNetworkFacts } from '../../fixtures/seedNetworkFacts';

let home: string;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'cluster-lab-render-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) }, { homeDir: home });
  return { code, out, err };
}

const seedFlags = [
  '--bridge',
  'wlp5s0',
  '--gateway',
  '192.168.1.1',
  '--dns',
  '8.8.8.8',
  '--server-ip',
  '192.168.1.110',
  '--agent',
  'agent1=192.168.1.111',
  '--agent',
  'agent2=192.168.1.112',
  // A new lab's server is named after the lab; the seed's is multi.
  '--server-name',
  'multi',
];
const golden = path.join(import.meta.dirname, '../../shared/render/__golden__/seed.Vagrantfile');

describe('cluster-lab render', () => {
  it("writes the seed's lab from flags, byte for byte the golden Vagrantfile, and a second run changes nothing", async () => {
    const dir = path.join(home, 'lab');
    const first = await run(['render', '--dir', dir, ...seedFlags]);
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toContain('wrote      Vagrantfile');
    // Up, not a bare vagrant up: the VMs install k3s from what Up places in shared/.
    expect(first.out).toContain(`Next: cluster-lab up --dir '${dir}'   (or Up in Cluster Lab)\n`);
    expect(await readFile(path.join(dir, 'Vagrantfile'), 'utf8')).toBe(await readFile(golden, 'utf8'));
    expect(await readFile(path.join(dir, 'lab.json'), 'utf8')).toBe(renderLabJson(seedLab()));
    const second = await run(['render', '--dir', dir, ...seedFlags, '--json']);
    jsonOut('render', second.out);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.out)).toMatchObject({ written: [], unchanged: ['Vagrantfile', 'registry.yaml', 'lab.json'] });
  });

  it('warns, after writing, when the lab would not fit this computer', async () => {
    const huge = await run(['render', '--dir', path.join(home, 'huge'), ...seedFlags, '--memory', '262144', '--cpus', '64']);
    expect(huge.code).toBe(0);
    expect(huge.err).toMatch(/^Warning: The 3 VMs need 768\.0 GiB together/m);
    expect(huge.err).toMatch(/^Warning: Each VM gets 64 vCPUs/m);
  });

  it('names the flag of every problem, one line each, exits 2 and writes nothing', async () => {
    const dir = path.join(home, 'bad');
    const bad = await run([
      'render',
      '--dir',
      dir,
      ...seedFlags.slice(0, 6),
      '--server-ip',
      '192.168.1.300',
      '--agent',
      'agent1',
      '--memory',
      'lots',
      '--cpus',
      '0',
      '--box',
      'not a box',
      '--k3s-version',
      '1.33',
    ]);
    expect(bad.code).toBe(2);
    const lines = bad.err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/6 problems with the lab settings; nothing was written/);
    expect(lines.slice(1).map((line) => line.trim().split(':')[0])).toEqual([
      '--agent #1',
      '--memory',
      '--server-ip',
      '--cpus',
      '--box',
      '--k3s-version',
    ]);
    await expect(stat(dir)).rejects.toThrow();
  });

  it('starts from --config and lets flags override it; problems in the file say so', async () => {
    const config = path.join(home, 'mine.json');
    await writeFile(config, renderLabJson(seedLab()));
    const dir = path.join(home, 'from-config');
    expect((await run(['render', '--dir', dir, '--config', config, '--memory', '2048', '--no-registry'])).code).toBe(0);
    expect(await readFile(path.join(dir, 'Vagrantfile'), 'utf8')).toContain('vb.memory = 2048');
    await expect(stat(path.join(dir, 'registry.yaml'))).rejects.toThrow();

    await writeFile(config, JSON.stringify({ ...seedLab(), server: { name: 'multi', ip: '10.9.9.9' } }));
    const broken = await run(['render', '--dir', path.join(home, 'never'), '--config', config]);
    expect(broken.code).toBe(2);
    expect(broken.err).toContain('--config (server.ip; or --server-ip): Server IP 10.9.9.9 is outside 192.168.1.0/24');

    await writeFile(config, JSON.stringify({ ...seedLab(), vm: 'big' }));
    const wrongShape = await run(['render', '--dir', path.join(home, 'never'), '--config', config]);
    expect(wrongShape.code).toBe(2);
    expect(wrongShape.err).toMatch(/--config \(vm\): vm is missing or has the wrong type/);
    await expect(stat(path.join(home, 'never'))).rejects.toThrow();

    const missing = await run(['render', '--dir', dir, '--config', path.join(home, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/There is no lab file at .*nope\.json/);
  });

  it('--nic plans the rest from a real NIC of this computer; an unknown NIC is a --nic problem', async () => {
    const unknown = await run(['render', '--dir', path.join(home, 'x'), '--nic', 'no-such-nic0']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^ {2}--nic: No network interface "no-such-nic0"/m);

    const services = createServices();
    const report = await services.handlers['nics.list']({});
    const nic = report.nics.find((n) => n.default && !n.excluded && n.ipv4 && n.prefixLength !== null && n.prefixLength <= 28);
    if (!nic) return; // no LAN here to plan on: the flags path above covers rendering
    const dir = path.join(home, 'planned');
    const planned = await run(['render', '--dir', dir, '--nic', nic.name, '--agent', 'solo=' + '', '--json']);
    expect(planned.code).toBe(2);
    expect(jsonOut<{ error: { issues: unknown[] } }>('error', planned.out).error.issues).toContainEqual({
      field: '--agent #1',
      message: expect.stringMatching(/^Agent IP must be an IPv4 address/),
    });
    const ok = await run(['render', '--dir', dir, '--nic', nic.name, '--cpus', '3']);
    expect(ok.code, ok.err).toBe(0);
    const lab = JSON.parse(await readFile(path.join(dir, 'lab.json'), 'utf8')) as ReturnType<typeof seedLab>;
    expect(lab.network.nic).toBe(nic.name);
    expect(lab.vm.cpus).toBe(3);
    expect(lab.agents).toHaveLength(2);
  });
});

describe('cluster-lab render of a new lab beside others', () => {
  const runHere = async (argv: string[]) => {
    let out = '';
    let err = '';
    const context = { ...fakeToolsContext(home, { XDG_CONFIG_HOME: path.join(home, 'xdg') }), readNetworkFacts: seedNetworkFacts };
    const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) }, context);
    return { code, out, err };
  };

  it('takes a name no known lab has, names the server after it, and plans around the addresses other labs use, naming them', async () => {
    const first = path.join(home, 'ClusterLab', 'cluster-lab');
    expect(await runHere(['render', '--dir', first, '--nic', 'wlp5s0'])).toMatchObject({ code: 0, err: '' });
    const firstLab = JSON.parse(await readFile(path.join(first, 'lab.json'), 'utf8'));
    expect(firstLab).toMatchObject({ name: 'cluster-lab', server: { name: 'cluster-lab-server', ip: '192.168.1.110' } });
    const second = path.join(home, 'ClusterLab', 'second');
    const made = await runHere(['render', '--dir', second, '--nic', 'wlp5s0']);
    expect(made.code).toBe(0);
    expect(made.err).toBe(`Skipped 192.168.1.110, 192.168.1.111, 192.168.1.112: used by lab 'cluster-lab' (${first}).\n`);
    expect(JSON.parse(await readFile(path.join(second, 'lab.json'), 'utf8'))).toMatchObject({
      name: 'cluster-lab-2',
      server: { name: 'cluster-lab-2-server', ip: '192.168.1.113' },
      agents: [{ ip: '192.168.1.114' }, { ip: '192.168.1.115' }],
    });
    // Planned again, a lab keeps its own addresses; one typed by hand that another lab uses is named.
    expect(JSON.parse(await readFile(path.join(first, 'lab.json'), 'utf8')).server.ip).toBe('192.168.1.110');
    const replanned = await runHere(['render', '--dir', first, '--nic', 'wlp5s0', '--replan']);
    expect(replanned.code).toBe(0);
    expect(JSON.parse(await readFile(path.join(first, 'lab.json'), 'utf8')).server.ip).toBe('192.168.1.110');
    const typed = await runHere(['render', '--dir', second, '--server-ip', '192.168.1.111']);
    expect(typed.code).toBe(0);
    expect(typed.err).toContain(`192.168.1.111 is used by lab 'cluster-lab' (${first})`);
  });
});

describe('cluster-lab render on a folder that has a lab', () => {
  const seeded = async () => {
    const dir = path.join(home, 'lab');
    expect((await run(['render', '--dir', dir, ...seedFlags])).code).toBe(0);
    return dir;
  };

  it('edits that lab: one flag changes one field, addresses and nodes stay, and the old lab.json is kept', async () => {
    const dir = await seeded();
    const before = await readFile(path.join(dir, 'lab.json'), 'utf8');
    const edit = await run(['render', '--dir', dir, '--memory', '2048']);
    expect(edit, edit.err).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(await readFile(path.join(dir, 'lab.json'), 'utf8'))).toEqual({ ...seedLab(), vm: { ...seedLab().vm, memoryMb: 2048 } });
    const kept = (await readdir(dir)).filter((name) => name.startsWith('lab.json.user-'));
    expect(kept).toHaveLength(1);
    expect(await readFile(path.join(dir, kept[0]!), 'utf8')).toBe(before);
    expect(edit.out).toContain(`kept the previous lab.json as ${kept[0]}`);
  });

  it('refuses --nic on an existing lab without --replan, naming --replan, and changes nothing', async () => {
    const dir = await seeded();
    const before = await readFile(path.join(dir, 'lab.json'), 'utf8');
    const replanned = await run(['render', '--dir', dir, '--nic', 'eth0', '--memory', '2048']);
    expect(replanned.code).toBe(2);
    expect(replanned.err).toMatch(/^ {2}--nic: .*Add --replan/m);
    expect(await readFile(path.join(dir, 'lab.json'), 'utf8')).toBe(before);
  });

  it('refuses, exit 2 and nothing written, a folder holding another lab or other files, unless --force', async () => {
    const other = path.join(home, 'other');
    expect((await run(['render', '--dir', other, ...seedFlags, '--name', 'other-lab'])).code).toBe(0);
    const before = await readFile(path.join(other, 'lab.json'), 'utf8');
    const taken = await run(['render', '--dir', other, '--config', path.join(other, 'lab.json'), '--name', 'cluster-lab']);
    expect(taken.code).toBe(2);
    expect(taken.err).toContain(`${other} holds the lab "other-lab"`);
    expect(taken.err).toContain('--force');
    expect(await readFile(path.join(other, 'lab.json'), 'utf8')).toBe(before);

    const stuff = path.join(home, 'stuff');
    await mkdir(stuff);
    await writeFile(path.join(stuff, 'thesis.tex'), 'mine');
    const mixed = await run(['render', '--dir', stuff, ...seedFlags]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toContain("files that are not a lab's: thesis.tex");
    expect(await readdir(stuff)).toEqual(['thesis.tex']);
    expect((await run(['render', '--dir', stuff, ...seedFlags, '--force'])).code).toBe(0);
    expect(await readFile(path.join(stuff, 'thesis.tex'), 'utf8')).toBe('mine');
  });

  it("refuses the app's own data folder (and above it), exit 2, writing nothing, even with --force", async () => {
    const env = { ...process.env, XDG_CONFIG_HOME: '', XDG_CACHE_HOME: '' };
    const data = path.join(home, '.config', 'Cluster Lab');
    await mkdir(data, { recursive: true });
    await writeFile(path.join(data, 'labs.json'), '{}');
    for (const dir of [data, path.join(data, 'lab'), path.join(home, '.config'), path.join(home, '.cache', 'cluster-lab')]) {
      let err = '';
      const code = await main(
        ['render', '--dir', dir, ...seedFlags, '--force'],
        { out: () => {}, err: (t) => void (err += t) },
        { homeDir: home, env },
      );
      expect(code, dir).toBe(2);
      expect(err).toContain("Cluster Lab's own folder");
      expect(err).toContain(path.join(home, 'ClusterLab', 'cluster-lab'));
    }
    expect(await readdir(data)).toEqual(['labs.json']);
    expect(await readdir(path.join(home, '.config'))).toEqual(['Cluster Lab']);
    await expect(stat(path.join(home, '.cache'))).rejects.toThrow();
  });

  it('never removes a machine whose VM exists, even with --force', async () => {
    const dir = await seeded();
    await mkdir(path.join(dir, '.vagrant', 'machines', 'agent2', 'virtualbox'), { recursive: true });
    await writeFile(path.join(dir, '.vagrant', 'machines', 'agent2', 'virtualbox', 'id'), 'vbox-uuid');
    const before = await readFile(path.join(dir, 'lab.json'), 'utf8');
    const fewer = await run(['render', '--dir', dir, '--agent', 'agent1=192.168.1.111', '--force']);
    expect(fewer.code).toBe(1);
    expect(fewer.err).toMatch(/VM agent2 that this lab no longer has.*Destroy/s);
    expect(await readFile(path.join(dir, 'lab.json'), 'utf8')).toBe(before);
  });
});

describe('cluster-lab render pins k3s', () => {
  // A channel server whose channels move: each answers with the release `points[channel]`, or is down.
  const points: Record<string, string | null> = {};
  const channels = loopbackServer((req, res) => {
    const version = points[decodeURIComponent(req.url!.replace(/^\/channels\//, ''))];
    if (!version) return void res.writeHead(503).end();
    res.writeHead(302, { location: `/k3s-io/k3s/releases/tag/${encodeURIComponent(version)}` }).end();
  });
  const runWith = async (argv: string[]) => {
    let out = '';
    let err = '';
    const env = { ...process.env, CLUSTER_LAB_K3S_CHANNELS: `${channels.base}/channels` };
    const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) }, { homeDir: home, env });
    return { code, out, err };
  };
  const k3sOf = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'lab.json'), 'utf8')).k3s;
  const installs = async (dir: string) => /^ {2}export INSTALL_K3S_VERSION=(.*)$/m.exec(await readFile(path.join(dir, 'Vagrantfile'), 'utf8'))?.[1];

  it('writes the release a channel points at into lab.json, keeps it when the lab is written again after the channel moved, and looks again on --k3s-channel', async () => {
    const dir = path.join(home, 'pinned');
    points.latest = 'v1.34.1+k3s1';
    expect((await runWith(['render', '--dir', dir, ...seedFlags, '--k3s-channel', 'latest'])).code).toBe(0);
    expect(await k3sOf(dir)).toEqual({ source: 'channel', value: 'latest', version: 'v1.34.1+k3s1' });
    expect(await installs(dir)).toBe("'v1.34.1+k3s1'");

    points.latest = 'v1.34.2+k3s1';
    expect((await runWith(['render', '--dir', dir, '--memory', '2048'])).code).toBe(0);
    expect(await k3sOf(dir)).toEqual({ source: 'channel', value: 'latest', version: 'v1.34.1+k3s1' });

    expect((await runWith(['render', '--dir', dir, '--k3s-channel', 'latest'])).code).toBe(0);
    expect(await k3sOf(dir)).toEqual({ source: 'channel', value: 'latest', version: 'v1.34.2+k3s1' });
    expect(await installs(dir)).toBe("'v1.34.2+k3s1'");

    expect((await runWith(['render', '--dir', dir, '--k3s-version', 'v1.32.9+k3s1'])).code).toBe(0);
    expect(await k3sOf(dir)).toEqual({ source: 'version', value: 'v1.32.9+k3s1' });
  });

  it('a channel that cannot be looked up (offline) names the channel and the fix, exits 1 and writes nothing', async () => {
    points.stable = null;
    const dir = path.join(home, 'offline');
    const result = await runWith(['render', '--dir', dir, ...seedFlags, '--json']);
    expect(result.code).toBe(1);
    const { error } = jsonOut<{ error: { message: string; hint: string } }>('error', result.out);
    expect(error.message).toMatch(/^Could not find which k3s release the 'stable' channel points at, so the lab was not written: /);
    expect(error.hint).toContain('give --k3s-version (such as v1.33.5+k3s1)');
    await expect(stat(dir)).rejects.toThrow();

    // Also when the lab exists: a new lookup that fails leaves the lab as it was.
    points.stable = 'v1.33.5+k3s1';
    expect((await runWith(['render', '--dir', dir, ...seedFlags])).code).toBe(0);
    const before = await readFile(path.join(dir, 'lab.json'), 'utf8');
    points.stable = null;
    expect((await runWith(['render', '--dir', dir, '--k3s-channel', 'stable'])).code).toBe(1);
    expect(await readFile(path.join(dir, 'lab.json'), 'utf8')).toBe(before);
  });

  it('takes a channel only as --k3s-channel, and one of the two flags', async () => {
    const asVersion = await runWith(['render', '--dir', path.join(home, 'x'), ...seedFlags, '--k3s-version', 'stable']);
    expect(asVersion.code).toBe(2);
    expect(asVersion.err).toContain("--k3s-version: 'stable' is a channel: give it as --k3s-channel stable");
    const both = await runWith(['render', '--dir', path.join(home, 'x'), ...seedFlags, '--k3s-version', 'v1.33.5+k3s1', '--k3s-channel', 'stable']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('Give --k3s-channel or --k3s-version, not both');
  });
});
