import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { k3sYaml, pemData } from '../../../fixtures/k3s';
import { tempDirs } from '../../../fixtures/tmp';
import { seedLab } from '../../../shared/render/testing';
import { getNodes, writeLabKubeconfig } from '../kubectl';

const tempDir = tempDirs('handoff');

/** A lab folder whose server left `text` (or what `make` puts there) as shared/k3s.yaml. */
async function labWith(text: string | null, make?: (file: string) => Promise<void>) {
  const dir = await tempDir('lab-');
  await mkdir(path.join(dir, 'shared'));
  const file = path.join(dir, 'shared', 'k3s.yaml');
  if (text !== null) await writeFile(file, text);
  await make?.(file);
  return { dir, file };
}

interface K3sDoc {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  [key: string]: unknown;
}

/** k3s.yaml with `edit` applied to its parsed form: what a hostile guest could leave. */
const tampered = (edit: (config: K3sDoc) => void) => {
  const config = YAML.parse(k3sYaml) as K3sDoc;
  edit(config);
  return YAML.stringify(config);
};

const refusedFor = async (text: string, field: string) => {
  const { dir, file } = await labWith(text);
  await expect(writeLabKubeconfig(dir, seedLab()), field).rejects.toMatchObject({
    code: 'failed',
    message: expect.stringContaining(`${file}: ${field}`),
    hint: expect.stringContaining('Nothing was run or written'),
  });
  expect(existsSync(path.join(dir, 'kubeconfig.yaml')), field).toBe(false);
};

describe("what the server leaves in shared/k3s.yaml: only k3s's own fields", () => {
  // Each of these makes kubectl act on the host: run a program, read a file, send the traffic elsewhere, trust any server.
  const userFields: Record<string, unknown> = {
    exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', 'touch /tmp/owned'] },
    'auth-provider': { name: 'oidc', config: { 'idp-issuer-url': 'https://evil.example' } },
    token: 'abc',
    tokenFile: '/home/me/.ssh/id_ed25519',
    username: 'admin',
    password: 'secret',
    'client-certificate': '/etc/ssl/private/host.pem',
    'client-key': '/etc/ssl/private/host.key',
    as: 'system:admin',
    extensions: [{ name: 'x', extension: {} }],
  };
  const clusterFields: Record<string, unknown> = {
    'proxy-url': 'socks5://evil.example:1080',
    'insecure-skip-tls-verify': true,
    'tls-server-name': 'evil.example',
    'certificate-authority': '/etc/ssl/certs/evil.pem',
    'disable-compression': true,
    extensions: [{ name: 'cluster-lab', extension: { folder: '/' } }],
  };

  it('refuses every user field but the client certificate and key, naming the file and the field', async () => {
    for (const [field, value] of Object.entries(userFields))
      await refusedFor(
        tampered((c) => (c.users[0]!.user[field] = value)),
        `users[0].user.${field} is not allowed`,
      );
  });

  it('refuses every cluster field but the CA (and the server, which is not taken)', async () => {
    for (const [field, value] of Object.entries(clusterFields))
      await refusedFor(
        tampered((c) => (c.clusters[0]!.cluster[field] = value)),
        `clusters[0].cluster.${field} is not allowed`,
      );
  });

  it('refuses extra users, clusters and contexts, extensions and preferences, and a context with more than its cluster and user', async () => {
    const extra = (key: 'users' | 'clusters' | 'contexts') =>
      tampered((c) => (c[key] as unknown[]).push({ ...structuredClone(c[key][0]), name: 'other' }));
    await refusedFor(extra('users'), 'users must hold exactly one entry (it holds 2)');
    await refusedFor(extra('clusters'), 'clusters must hold exactly one entry (it holds 2)');
    await refusedFor(extra('contexts'), 'contexts must hold exactly one entry (it holds 2)');
    await refusedFor(
      tampered((c) => (c.extensions = [{ name: 'x', extension: {} }])),
      'extensions is not allowed',
    );
    await refusedFor(
      tampered((c) => (c.preferences = { colors: true })),
      'preferences must be empty',
    );
    await refusedFor(
      tampered((c) => (c.contexts[0]!.context.namespace = 'kube-system')),
      'contexts[0].context.namespace is not allowed',
    );
    await refusedFor(
      tampered((c) => (c.contexts[0]!.context.user = 'someone')),
      'contexts[0].context.user must name the user "default"',
    );
    await refusedFor(
      tampered((c) => Reflect.deleteProperty(c, 'users')),
      'users must hold exactly one entry (it holds none)',
    );
  });

  it('refuses data that is not base64 of PEM of the right kind', async () => {
    await refusedFor(
      tampered((c) => (c.users[0]!.user['client-key-data'] = pemData('CERTIFICATE'))),
      'users[0].user.client-key-data must be base64 of PEM EC PRIVATE KEY or PRIVATE KEY or RSA PRIVATE KEY blocks',
    );
    await refusedFor(
      tampered((c) => (c.clusters[0]!.cluster['certificate-authority-data'] = 'not base64!')),
      'clusters[0].cluster.certificate-authority-data must be base64',
    );
    await refusedFor(
      tampered((c) => (c.clusters[0]!.cluster['certificate-authority-data'] = Buffer.from('just text').toString('base64'))),
      'clusters[0].cluster.certificate-authority-data must be base64',
    );
    await refusedFor(
      tampered((c) => (c.users[0]!.user['client-certificate-data'] = 42)),
      'users[0].user.client-certificate-data must be a non-empty string',
    );
  });

  it('refuses YAML aliases (an expansion bomb), several documents and duplicate keys', async () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 8 }, (_, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [*${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}]`),
    ];
    await refusedFor(`${k3sYaml}${bomb.join('\n')}\n`, 'holds a YAML alias');
    await refusedFor(`${k3sYaml}---\n${k3sYaml}`, 'is not YAML Cluster Lab can read');
    await refusedFor(`${k3sYaml}kind: Config\n`, 'is not YAML Cluster Lab can read');
  });

  it('builds the lab kubeconfig from the CA, certificate and key alone, with the server the host knows', async () => {
    const { dir } = await labWith(k3sYaml);
    const file = await writeLabKubeconfig(dir, seedLab());
    const written = YAML.parse(await readFile(file, 'utf8'));
    const k3s = YAML.parse(k3sYaml);
    expect(written.clusters[0].cluster).toEqual({
      'certificate-authority-data': k3s.clusters[0].cluster['certificate-authority-data'],
      server: 'https://192.168.1.110:6443',
      extensions: [{ name: 'cluster-lab', extension: { folder: dir, server: 'https://192.168.1.110:6443' } }],
    });
    expect(written.users[0].user).toEqual({ ...k3s.users[0].user, extensions: [{ name: 'cluster-lab', extension: { folder: dir } }] });
  });
});

describe('odd files where k3s.yaml should be', () => {
  it('does not follow a symlink out of the lab folder, even to a good kubeconfig', async () => {
    const outside = path.join(await tempDir('elsewhere-'), 'k3s.yaml');
    await writeFile(outside, k3sYaml);
    const { dir, file } = await labWith(null, (f) => symlink(outside, f));
    await expect(writeLabKubeconfig(dir, seedLab())).rejects.toMatchObject({
      message: `${file} is a symbolic link to ${outside}, not a plain file: Cluster Lab neither opens nor replaces it.`,
    });
  });

  it('refuses a FIFO at once instead of waiting for a writer, and a folder', async () => {
    const fifo = await labWith(null, async (f) => {
      const made = spawnSync('mkfifo', [f]);
      expect(made.status, String(made.stderr)).toBe(0);
    });
    await expect(writeLabKubeconfig(fifo.dir, seedLab())).rejects.toMatchObject({
      message: `${fifo.file} is a FIFO (named pipe), not a plain file: Cluster Lab neither opens nor replaces it.`,
    });
    const folder = await labWith(null, (f) => mkdir(f));
    await expect(writeLabKubeconfig(folder.dir, seedLab())).rejects.toMatchObject({
      message: expect.stringContaining('is a folder, not a plain file'),
    });
  }, 5_000);

  it('refuses a huge file before reading it, and a synced folder that is a link elsewhere', async () => {
    const { dir, file } = await labWith(`${k3sYaml}# ${'x'.repeat(64 * 1024)}\n`);
    await expect(writeLabKubeconfig(dir, seedLab())).rejects.toMatchObject({
      message: `${file} is larger than 65536 bytes (${k3sYaml.length + 64 * 1024 + 3}), more than such a file ever holds: Cluster Lab does not read it.`,
    });
    const elsewhere = await tempDir('shared-');
    await writeFile(path.join(elsewhere, 'k3s.yaml'), k3sYaml);
    const linked = await tempDir('linked-');
    await symlink(elsewhere, path.join(linked, 'shared'));
    await expect(writeLabKubeconfig(linked, seedLab())).rejects.toMatchObject({
      message: `${path.join(linked, 'shared')} is a symbolic link, not the lab's synced folder: Cluster Lab does not read through it.`,
    });
  });

  it('refuses bytes that are not UTF-8 text', async () => {
    const { dir, file } = await labWith(null, (f) => writeFile(f, Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a])));
    await expect(writeLabKubeconfig(dir, seedLab())).rejects.toMatchObject({ message: `${file} is not UTF-8 text.` });
  });

  it('says k3s did not finish when there is no k3s.yaml, or no shared folder', async () => {
    const { dir } = await labWith(null);
    await expect(writeLabKubeconfig(dir, seedLab())).rejects.toMatchObject({
      message: expect.stringContaining('The server did not leave its kubeconfig'),
    });
    await expect(writeLabKubeconfig(await tempDir('bare-'), seedLab())).rejects.toMatchObject({
      message: expect.stringContaining('The server did not leave its kubeconfig'),
    });
  });
});

describe("the lab's kubeconfig.yaml (a lab folder may come from someone else)", () => {
  it('never reaches kubectl with an exec plugin in it: the nodes are not asked for', async () => {
    const dir = await tempDir('foreign-');
    const marker = path.join(dir, 'plugin-ran');
    const kubeconfig = path.join(dir, 'kubeconfig.yaml');
    const hostile = YAML.parse(k3sYaml);
    hostile.users[0].user.exec = {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: process.execPath,
      args: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`],
    };
    await writeFile(kubeconfig, YAML.stringify(hostile));
    const kubectl = path.resolve(import.meta.dirname, '../../../fixtures/bin/kubectl');
    const answer = await getNodes(kubectl, kubeconfig, { env: { PATH: process.env.PATH }, platform: 'linux' });
    expect(answer).toEqual({ error: expect.stringContaining(`${kubeconfig}: users[0].user.exec is not allowed`) });
    expect(existsSync(marker)).toBe(false);
  });
});
