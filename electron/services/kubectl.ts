/**
 * The lab's kubeconfig and kubectl: k3s leaves /etc/rancher/k3s/k3s.yaml (server 127.0.0.1, every
 * name "default") in the synced folder; Cluster Lab rewrites it to reach the server over the LAN
 * under the lab's name, keeps it in the lab folder, and merges it into the user's kubeconfig on
 * request without touching their other contexts.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { mkdir, open, readFile, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { AppError } from '../../shared/errors';
import type { LabConfig } from '../../shared/lab/schema';
import type { ServiceContext } from './context';
import { atomicWrite, backupFile, ioError } from './files';
import { runTool } from './process';
import { delay } from './time';
import { childEnv } from './tools';

export const LAB_KUBECONFIG = 'kubeconfig.yaml';
/** Where the server's provisioning script copies k3s.yaml (the synced folder `./shared`). */
export const K3S_KUBECONFIG = path.join('shared', 'k3s.yaml');

interface Named {
  name: string;
  [key: string]: unknown;
}

interface Kubeconfig {
  apiVersion?: string;
  kind?: string;
  clusters?: (Named & { cluster?: Record<string, unknown> })[];
  users?: (Named & { user?: Record<string, unknown> })[];
  contexts?: (Named & { context?: { cluster?: string; user?: string; [key: string]: unknown } })[];
  'current-context'?: string;
  [key: string]: unknown;
}

/** Parse a kubeconfig; an AppError naming the file when it is not one. */
export function parseKubeconfig(text: string, file: string): Kubeconfig {
  if (text.trim() === '') return {};
  const doc = YAML.parseDocument(text);
  const problem = doc.errors[0]?.message;
  const value: unknown = problem ? null : doc.toJS();
  const lists = ['clusters', 'users', 'contexts'] as const;
  const shapeOk =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    lists.every((key) => {
      const list = (value as Kubeconfig)[key];
      return list === undefined || list === null || (Array.isArray(list) && list.every((entry) => typeof entry?.name === 'string'));
    });
  if (!shapeOk)
    throw new AppError(
      'conflict',
      `${file} is not a kubeconfig Cluster Lab can read${problem ? `: ${problem.split('\n')[0]!.replace(/:$/, '')}` : ''}.`,
      {
        hint: 'Nothing was changed. Fix the file (kubectl config view shows what kubectl makes of it), or set KUBECONFIG to another file, then try again.',
      },
    );
  return value as Kubeconfig;
}

/** k3s.yaml -> the lab's kubeconfig: server https://<server-ip>:6443 and cluster, user and context named after the lab. */
export function rewriteKubeconfig(k3sYaml: string, lab: Pick<LabConfig, 'name' | 'server'>, file = K3S_KUBECONFIG): string {
  const config = parseKubeconfig(k3sYaml, file);
  const cluster = config.clusters?.[0]?.cluster;
  const user = config.users?.[0]?.user;
  if (!cluster || !user)
    throw new AppError('failed', `${file} has no cluster or user entry: it is not the kubeconfig k3s writes.`, {
      hint: 'Run Provision again so the server copies /etc/rancher/k3s/k3s.yaml to the synced folder.',
    });
  const rewritten: Kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: lab.name, cluster: { ...cluster, server: `https://${lab.server.ip}:6443` } }],
    users: [{ name: lab.name, user }],
    contexts: [{ name: lab.name, context: { cluster: lab.name, user: lab.name } }],
    'current-context': lab.name,
  };
  return YAML.stringify(rewritten);
}

/** Read what the server left in the synced folder and save the lab's kubeconfig beside lab.json; returns its path. */
export async function writeLabKubeconfig(dir: string, lab: LabConfig): Promise<string> {
  const source = path.join(dir, K3S_KUBECONFIG);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('failed', `The server did not leave its kubeconfig at ${source}.`, {
        hint: 'The k3s install on the server did not finish: read the provisioning lines of "server" above, fix the cause, then run Provision.',
      });
    throw ioError(error, source, 'read');
  }
  const target = path.join(dir, LAB_KUBECONFIG);
  await atomicWrite(target, rewriteKubeconfig(text, lab, source), { mode: 0o600 });
  return target;
}

export interface NodeReadiness {
  name: string;
  ready: boolean;
  /** The address the node registered as InternalIP (k3s: --node-ip). */
  internalIp: string | null;
}

interface NodeItem {
  metadata?: { name?: string };
  status?: { conditions?: { type?: string; status?: string }[]; addresses?: { type?: string; address?: string }[] };
}

/** `kubectl get nodes -o json` -> each node, whether its Ready condition is True, and its InternalIP. */
export function parseNodes(json: string): NodeReadiness[] {
  const list = JSON.parse(json) as { items?: NodeItem[] };
  return (list.items ?? []).flatMap((item) => {
    const name = item.metadata?.name;
    if (!name) return [];
    return [
      {
        name,
        ready: (item.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
        internalIp: item.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? null,
      },
    ];
  });
}

/** The nodes as the cluster sees them, or the reason it did not answer. */
export async function getNodes(
  kubectl: string,
  kubeconfig: string,
  ctx: Pick<ServiceContext, 'env' | 'platform'>,
): Promise<{ nodes: NodeReadiness[] } | { error: string }> {
  const result = await runTool(kubectl, ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'json', '--request-timeout=10s'], {
    env: childEnv(ctx),
    timeoutMs: 20_000,
  });
  if (result.exitCode !== 0) return { error: result.spawnError ?? (result.stderr.trim() || `kubectl exited with ${result.exitCode}`) };
  try {
    return { nodes: parseNodes(result.stdout) };
  } catch {
    return { error: 'kubectl get nodes printed something that is not JSON' };
  }
}

/** A folder this process may write into (client-go's test for a home folder on Windows). */
export const isWritableDir = (dir: string): boolean => {
  try {
    if (!statSync(dir).isDirectory()) return false;
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * kubectl's home folder, by client-go's rule (util/homedir/homedir.go, HomeDir). Elsewhere $HOME.
 * On Windows: the first of %HOME%, %HOMEDRIVE%%HOMEPATH%, %USERPROFILE% that holds .kube\config;
 * else the first of %HOME%, %USERPROFILE%, %HOMEDRIVE%%HOMEPATH% (this order) that is a writable
 * folder; else the first that exists; else the first that is set.
 */
export function kubeHomeDir(
  ctx: Pick<ServiceContext, 'env' | 'platform' | 'homeDir'>,
  exists: (file: string) => boolean,
  writableDir: (dir: string) => boolean,
): string {
  if (ctx.platform !== 'win32') return ctx.env.HOME || ctx.homeDir;
  const { HOME: home, HOMEDRIVE: drive, HOMEPATH: homePath, USERPROFILE: profile } = ctx.env;
  const driveHome = drive && homePath ? drive + homePath : undefined;
  const holdingConfig = [home, driveHome, profile].find((dir) => dir && exists(path.win32.join(dir, '.kube', 'config')));
  if (holdingConfig) return holdingConfig;
  const set = [home, profile, driveHome].filter((dir): dir is string => Boolean(dir));
  return set.find((dir) => exists(dir) && writableDir(dir)) ?? set.find(exists) ?? set[0] ?? ctx.homeDir;
}

/**
 * The file kubectl writes a new context into, by client-go's rule (tools/clientcmd/config.go,
 * PathOptions.GetDefaultFilename): with one KUBECONFIG entry, that one; with several, the first
 * that exists, else the last; without KUBECONFIG, ~/.kube/config. Entries are deduplicated and
 * empty ones skipped, as GetEnvVarFiles and the loader do.
 */
export function userKubeconfigPath(
  ctx: Pick<ServiceContext, 'env' | 'platform' | 'homeDir'>,
  exists: (file: string) => boolean,
  writableDir: (dir: string) => boolean,
): string {
  const files = [...new Set((ctx.env.KUBECONFIG ?? '').split(ctx.platform === 'win32' ? ';' : ':').filter((p) => p.trim() !== ''))];
  if (files.length === 0) {
    const pathApi = ctx.platform === 'win32' ? path.win32 : path.posix;
    return pathApi.join(kubeHomeDir(ctx, exists, writableDir), '.kube', 'config');
  }
  // One entry is the one found or, found nowhere, the last: either way itself.
  return files.find(exists) ?? files.at(-1)!;
}

/**
 * kubectl's lock on a kubeconfig while it writes: `<file>.lock`, created exclusively and removed
 * afterwards (client-go tools/clientcmd/loader.go, lockFile). A lock another program holds is waited
 * on briefly, since kubectl holds it only while it writes.
 */
async function withKubeconfigLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  await mkdir(path.dirname(file), { recursive: true }).catch((error: unknown) => {
    throw ioError(error, path.dirname(file), 'create');
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await (await open(lock, 'wx', 0o600)).close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(error, lock, 'create the lock');
      if (attempt >= 20)
        throw new AppError('busy', `${file} is locked by another program: ${lock} exists.`, {
          hint: `kubectl holds that lock only while it writes the file. If no kubectl is running, delete ${lock} and try again.`,
        });
      await delay(100);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

/**
 * Put the lab's cluster, user and context into the user's kubeconfig text, replacing only entries
 * of the same names. It edits the YAML document in place, so the user's comments, order and other
 * settings stay as they were. `userText` has passed parseKubeconfig (a mapping, or empty).
 */
export function mergeKubeconfigText(userText: string, lab: Kubeconfig, options: { setCurrent: boolean; context: string }): string {
  const doc = YAML.parseDocument(userText);
  if (!doc.has('apiVersion')) doc.set('apiVersion', 'v1');
  if (!doc.has('kind')) doc.set('kind', 'Config');
  for (const key of ['clusters', 'users', 'contexts'] as const) {
    const theirs = lab[key] ?? [];
    const names = new Set(theirs.map((entry) => entry.name));
    let list = doc.get(key);
    if (!YAML.isSeq(list)) {
      list = doc.createNode([]);
      doc.set(key, list);
    }
    const seq = list as YAML.YAMLSeq;
    seq.items = seq.items.filter((item) => !(YAML.isMap(item) && names.has(String(item.get('name')))));
    seq.flow = false;
    for (const entry of theirs) seq.add(doc.createNode(entry));
  }
  if (options.setCurrent) doc.set('current-context', options.context);
  // kubectl writes list items flush with their key; so does this, leaving its files' lines as they were.
  return doc.toString({ indentSeq: false });
}

export interface MergeResult {
  path: string;
  context: string;
  backupPath: string | null;
  currentContext: string | null;
}

/** Merge the lab's kubeconfig into the user's, after a backup; refuses a file it cannot parse. */
export async function mergeIntoUserKubeconfig(
  ctx: Pick<ServiceContext, 'env' | 'platform' | 'homeDir'>,
  labKubeconfig: string,
  options: { setCurrent: boolean },
): Promise<MergeResult> {
  const labText = await readFile(labKubeconfig, 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('not_found', `This lab has no kubeconfig yet (${labKubeconfig}).`, {
        hint: 'Run Up first: it writes the kubeconfig when the server is ready.',
      });
    throw ioError(error, labKubeconfig, 'read');
  });
  const lab = parseKubeconfig(labText, labKubeconfig);
  const context = lab.contexts?.[0]?.name;
  if (!context) throw new AppError('failed', `${labKubeconfig} has no context.`, { hint: 'Run Up again to rewrite it.' });
  const target = userKubeconfigPath(ctx, existsSync, isWritableDir);
  return withKubeconfigLock(target, async () => {
    // kubectl writes through a symlinked kubeconfig (a dotfiles repository, say): so does this.
    const real = await realpath(target).catch(() => target);
    const existing = await readFile(real, 'utf8').catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ioError(error, target, 'read');
    });
    // Read as a kubeconfig first: a file that is not one is refused before anything is touched.
    if (existing !== null) parseKubeconfig(existing, target);
    const mergedText = mergeKubeconfigText(existing ?? '', lab, { setCurrent: options.setCurrent, context });
    const merged = parseKubeconfig(mergedText, target);
    const backupPath = await backupFile(real);
    // A new file holds credentials: only its owner may read it, as kubectl makes it (0600).
    await atomicWrite(real, mergedText, { mode: existing === null ? 0o600 : undefined });
    return { path: target, context, backupPath, currentContext: merged['current-context'] ?? null };
  });
}
