import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultLabConfig, type LabConfig } from '../../shared/lab/schema';
import { jsonOut } from './jsonShapes.testing';
import { runCli } from './runCli';
import { tempDirs } from '../../fixtures/tmp';

const tempDir = tempDirs('cli-doctor');

const run = (argv: string[], env: NodeJS.ProcessEnv) => runCli(argv, { env });

describe('cluster-lab doctor', () => {
  it('--json prints checks, tools and host, and exits 1 when a check fails', async () => {
    const { code, out } = await run(['doctor', '--json'], { PATH: '' });
    const report = jsonOut<{ checks: { id: string }[] }>('doctor', out);
    expect(report.checks.find((c) => c.id === 'tool-vagrant')).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/vagrant/i),
    });
    expect(code).toBe(1);
  });

  it('--dir checks a lab folder’s plan: its size against this machine, and its NIC', async () => {
    const dir = await tempDir('cl-doc-cli-');
    const lab: LabConfig = {
      ...defaultLabConfig(),
      network: { nic: 'cl-gone0', bridge: 'cl-gone0', subnet: '192.168.1.0/24', hostIp: '', gateway: '192.168.1.1', dns: ['1.1.1.1'] },
      server: { name: 'multi', ip: '192.168.1.110' },
      agents: [{ name: 'agent1', ip: '192.168.1.111' }],
      vm: { memoryMb: 262144, cpus: 64, box: 'bento/ubuntu-24.04', linkedClone: true, parallel: true },
    };
    await writeFile(path.join(dir, 'lab.json'), JSON.stringify(lab));
    const { code, out } = await run(['doctor', '--dir', dir], { PATH: '', HOME: dir });
    expect(code).toBe(1);
    // The Check machine step's words (renderer/steps/CheckMachine.tsx), not fail/warn/ok.
    expect(out).toMatch(/^ {2}Must fix {2}The lab does not fit in memory: 2 VMs × 262144 MB/m);
    expect(out).toMatch(/^ {2}Must fix {2}Each VM has 64 vCPUs/m);
    expect(out).toMatch(/^ {2}Must fix {2}The lab bridges onto cl-gone0, which no longer exists/m);
    expect(out).toMatch(/^ {2}Warning {3}\S/m);
    expect(out).not.toMatch(/\b(FAIL|warn)\b/);
    expect(out).toMatch(/GiB free/);
  });

  it("reports the k3s cache and whether it holds the lab's release, as JSON and in words", async () => {
    const dir = await tempDir('cl-doc-k3s-cli-');
    const lab: LabConfig = {
      ...defaultLabConfig(),
      network: { nic: 'cl-gone0', bridge: 'cl-gone0', subnet: '192.168.1.0/24', hostIp: '', gateway: '192.168.1.1', dns: ['1.1.1.1'] },
      server: { name: 'multi', ip: '192.168.1.110' },
      agents: [],
      k3s: { source: 'version', value: 'v1.33.1+k3s1' },
    };
    await writeFile(path.join(dir, 'lab.json'), JSON.stringify(lab));
    // The cache apart from the lab: a lab folder holding the app's own folders is refused.
    const cache = await tempDir('cl-doc-k3s-cache-');
    const env = { PATH: '', HOME: dir, XDG_CACHE_HOME: cache };
    const json = jsonOut<{ k3sCache: unknown }>('doctor', (await run(['doctor', '--json', '--dir', dir], env)).out);
    expect(json.k3sCache).toEqual({
      dir: path.join(cache, 'cluster-lab', 'k3s'),
      versions: [],
      lab: { version: 'v1.33.1+k3s1', arch: 'amd64', missing: ['sha256sum-amd64.txt', 'k3s', 'k3s-airgap-images-amd64.tar.zst', 'install.sh'] },
    });
    const { out } = await run(['doctor', '--dir', dir], env);
    expect(out).toMatch(/^ {2}Warning {3}v1\.33\.1\+k3s1 is not in the cache yet: Up will fetch it for amd64/m);
    expect(out).toMatch(/^ {12}fix: Fetch it now: `cluster-lab k3s fetch --version v1\.33\.1\+k3s1`\.$/m);
  });
});
