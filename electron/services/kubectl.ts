/**
 * The lab's kubeconfig and kubectl: k3s leaves /etc/rancher/k3s/k3s.yaml (server 127.0.0.1, every
 * name "default") in the synced folder; Cluster Lab takes only its CA, client certificate and key
 * (guest/handoff.ts checks the file), builds the lab's kubeconfig from them with the server address
 * it knows, keeps it in the lab folder, and merges it into the user's kubeconfig on request as
 * kubectl itself would write it, touching only entries it wrote for this lab.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { link, lstat, open, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { AppError } from '../../shared/errors';
import type { LabConfig } from '../../shared/lab/schema';
import type { ServiceContext } from './context';
import { atomicWrite, backupFile, ioError, makeFolders, readPlainFile, renameRetrying, systemRenameDeps, type RenameDeps } from './files';
import { CLUSTER_LAB_EXTENSION, K3S_YAML, parseLabKubeconfig, readK3sCredentials, type LabCredentials, type StrictKubeconfig } from './guest/handoff';
import { runTool } from './process';
import { processAlive, processStart } from './processLiveness';
import { childEnv } from './tools';

export const LAB_KUBECONFIG = 'kubeconfig.yaml';
/** Where the server's provisioning script copies k3s.yaml (the synced folder `./shared`). */
export const K3S_KUBECONFIG = K3S_YAML;
/** The lab's kubeconfig is a few KiB; the user's own may hold many clusters, but not this much. */
const LAB_KUBECONFIG_MAX_BYTES = 64 * 1024;
const USER_KUBECONFIG_MAX_BYTES = 16 * 1024 * 1024;

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

const notKubeconfigHint =
  'Nothing was changed. Fix the file (kubectl config view shows what kubectl makes of it), or set KUBECONFIG to another file, then try again.';

/** Parse the user's kubeconfig; an AppError naming the file when it is not one. */
export function parseKubeconfig(text: string, file: string): Kubeconfig {
  if (text.trim() === '') return {};
  const doc = YAML.parseDocument(text);
  const problem = doc.errors[0]?.message;
  let value: unknown = null;
  try {
    // A kubeconfig has no use for aliases; a few are tolerated, an expansion bomb is not.
    value = problem ? null : doc.toJS({ maxAliasCount: 100 });
  } catch {
    // refused below
  }
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
      { hint: notKubeconfigHint },
    );
  return value as Kubeconfig;
}

const serverUrl = (lab: Pick<LabConfig, 'server'>) => `https://${lab.server.ip}:6443`;

/**
 * The marker on every entry Cluster Lab writes: a kubeconfig extension (client-go
 * tools/clientcmd/api/v1/types.go, NamedExtension: `name` and a free-form `extension`), which
 * kubectl keeps when it rewrites the file. It names the lab folder, and on a cluster the server it
 * wrote, so an entry whose server the user changed is theirs again.
 */
const marker = (dir: string, server?: string) => [{ name: CLUSTER_LAB_EXTENSION, extension: server ? { folder: dir, server } : { folder: dir } }];

interface LabEntries {
  name: string;
  clusters: Named[];
  users: Named[];
  contexts: Named[];
}

/** The lab's cluster, user and context under `name`, built from the checked credentials alone, each marked as lab `dir`'s. */
export function labEntries(credentials: LabCredentials, lab: Pick<LabConfig, 'server'>, dir: string, name: string): LabEntries {
  const server = serverUrl(lab);
  return {
    name,
    clusters: [{ name, cluster: { 'certificate-authority-data': credentials.certificateAuthorityData, server, extensions: marker(dir, server) } }],
    users: [
      {
        name,
        user: { 'client-certificate-data': credentials.clientCertificateData, 'client-key-data': credentials.clientKeyData, extensions: marker(dir) },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: name, extensions: marker(dir) } }],
  };
}

/** The lab's own kubeconfig text: its one cluster, user and context, the current context. */
export function labKubeconfigText(credentials: LabCredentials, lab: Pick<LabConfig, 'name' | 'server'>, dir: string): string {
  const entries = labEntries(credentials, lab, dir, lab.name);
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: entries.clusters,
    users: entries.users,
    contexts: entries.contexts,
    'current-context': lab.name,
  });
}

/** Read what the server left in the synced folder (checked strictly) and save the lab's kubeconfig beside lab.json; returns its path. */
export async function writeLabKubeconfig(dir: string, lab: LabConfig): Promise<string> {
  const credentials = await readK3sCredentials(dir);
  const target = path.join(dir, LAB_KUBECONFIG);
  await atomicWrite(target, labKubeconfigText(credentials, lab, dir), { mode: 0o600 });
  return target;
}

/**
 * The lab's kubeconfig.yaml, checked as strictly as k3s.yaml before kubectl or a merge reads it: a
 * lab folder may come from someone else. Null when there is none.
 */
export async function readLabKubeconfig(file: string): Promise<StrictKubeconfig | null> {
  const hint = `Nothing was run or changed. Cluster Lab writes ${path.basename(file)} from the server's certificates only; run Up again to write it anew.`;
  const text = await readPlainFile(file, { maxBytes: LAB_KUBECONFIG_MAX_BYTES, hint });
  return text === null ? null : parseLabKubeconfig(text, file, { marked: true, hint });
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
  // Only a kubeconfig that holds nothing but the lab's certificates reaches kubectl (an exec plugin would run here).
  const checked = await readLabKubeconfig(kubeconfig).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
  if (checked === null) return { error: `There is no kubeconfig at ${kubeconfig}.` };
  if (typeof checked === 'string') return { error: checked };
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
 * The files kubectl loads, in order (client-go tools/clientcmd/loader.go, NewDefaultClientConfigLoadingRules
 * and Load): the KUBECONFIG entries, deduplicated, empty ones skipped; without KUBECONFIG,
 * ~/.kube/config.
 */
export function kubeconfigFiles(
  ctx: Pick<ServiceContext, 'env' | 'platform' | 'homeDir'>,
  exists: (file: string) => boolean,
  writableDir: (dir: string) => boolean,
): string[] {
  const files = [...new Set((ctx.env.KUBECONFIG ?? '').split(ctx.platform === 'win32' ? ';' : ':').filter((p) => p.trim() !== ''))];
  if (files.length > 0) return files;
  const pathApi = ctx.platform === 'win32' ? path.win32 : path.posix;
  return [pathApi.join(kubeHomeDir(ctx, exists, writableDir), '.kube', 'config')];
}

/**
 * The file kubectl writes a new entry into, by client-go's rule (tools/clientcmd/config.go,
 * PathOptions.GetDefaultFilename): with one file, that one; with several KUBECONFIG entries, the
 * first that exists, else the last.
 */
export function userKubeconfigPath(
  ctx: Pick<ServiceContext, 'env' | 'platform' | 'homeDir'>,
  exists: (file: string) => boolean,
  writableDir: (dir: string) => boolean,
): string {
  const files = kubeconfigFiles(ctx, exists, writableDir);
  // One entry is the one found or, found nowhere, the last: either way itself.
  return files.find(exists) ?? files.at(-1)!;
}
type ListKey = 'clusters' | 'users' | 'contexts';
const LIST_KEYS: readonly ListKey[] = ['clusters', 'users', 'contexts'];
const BODY = { clusters: 'cluster', users: 'user', contexts: 'context' } as const;

const isPlain = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether an entry of a kubeconfig is one Cluster Lab wrote for lab `dir`: it carries the marker
 * naming that folder, and a cluster still has the server the marker recorded.
 */
export function ownedEntry(key: ListKey, entry: unknown, dir: string): boolean {
  const body = isPlain(entry) ? entry[BODY[key]] : null;
  if (!isPlain(body) || !Array.isArray(body.extensions)) return false;
  const mark = (body.extensions as unknown[]).find((e) => isPlain(e) && e.name === CLUSTER_LAB_EXTENSION);
  const extension = isPlain(mark) ? mark.extension : null;
  if (!isPlain(extension) || extension.folder !== dir) return false;
  return key !== 'clusters' || (typeof extension.server === 'string' && extension.server === body.server);
}

/** JSON with sorted keys: kubectl rewrites an entry with its keys in its own order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (isPlain(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));

/** One file of the KUBECONFIG list as it was read: null when it does not exist. */
export interface KubeconfigText {
  path: string;
  text: string | null;
}

/** A file's new text; `before` is what it held (null: a new file). */
export interface KubeconfigEdit {
  path: string;
  before: string | null;
  after: string;
}

/** The KUBECONFIG list as YAML documents, edited in place so the user's comments and order stay; each knows whether it changed. */
class KubeconfigDocs {
  private readonly docs: { path: string; text: string | null; doc: YAML.Document; touched: boolean }[];

  constructor(files: KubeconfigText[]) {
    this.docs = files.map((file) => ({ ...file, doc: YAML.parseDocument(file.text ?? ''), touched: false }));
  }

  private file(path: string) {
    return this.docs.find((d) => d.path === path)!;
  }

  /** The first entry of that name in the list: the one kubectl uses, from its file of origin (client-go loader.go, merge: first file wins). */
  find(key: ListKey, name: string) {
    for (const file of this.docs) {
      const seq = file.doc.get(key);
      if (!YAML.isSeq(seq)) continue;
      const index = seq.items.findIndex((item) => YAML.isMap(item) && String(item.get('name')) === name);
      if (index !== -1) return { path: file.path, index, value: (seq.items[index] as YAML.YAMLMap).toJSON() as unknown };
    }
    return null;
  }

  /** Every entry of the list under `key`, with its file. */
  entries(key: ListKey) {
    return this.docs.flatMap((file) => {
      const seq = file.doc.get(key);
      return YAML.isSeq(seq) ? seq.items.map((item) => ({ path: file.path, value: YAML.isMap(item) ? (item.toJSON() as unknown) : null })) : [];
    });
  }

  replace(path: string, key: ListKey, index: number, entry: Named) {
    const file = this.file(path);
    (file.doc.get(key) as YAML.YAMLSeq).items[index] = file.doc.createNode(entry);
    file.touched = true;
  }

  add(path: string, key: ListKey, entry: Named) {
    const file = this.file(path);
    const { doc } = file;
    if (!doc.has('apiVersion')) doc.set('apiVersion', 'v1');
    if (!doc.has('kind')) doc.set('kind', 'Config');
    let seq = doc.get(key);
    if (!YAML.isSeq(seq)) {
      seq = doc.createNode([]);
      doc.set(key, seq);
    }
    (seq as YAML.YAMLSeq).flow = false;
    (seq as YAML.YAMLSeq).add(doc.createNode(entry));
    file.touched = true;
  }

  /** Remove the entries `owned` picks, in every file; their names. */
  removeWhere(key: ListKey, owned: (entry: unknown) => boolean): string[] {
    const names: string[] = [];
    for (const file of this.docs) {
      const seq = file.doc.get(key);
      if (!YAML.isSeq(seq)) continue;
      const keep = seq.items.filter((item) => !(YAML.isMap(item) && owned(item.toJSON())));
      if (keep.length === seq.items.length) continue;
      for (const item of seq.items) if (!keep.includes(item)) names.push(String((item as YAML.YAMLMap).get('name')));
      seq.items = keep;
      file.touched = true;
    }
    return names;
  }

  /** The current context kubectl sees: the first file's that sets one (client-go loader.go: non-map values, first file wins). */
  currentContext(): { path: string; name: string } | null {
    for (const file of this.docs) {
      const name = file.doc.get('current-context');
      if (typeof name === 'string' && name !== '') return { path: file.path, name };
    }
    return null;
  }

  setCurrentContext(path: string, name: string | null) {
    const file = this.file(path);
    if (name === null) file.doc.delete('current-context');
    else file.doc.set('current-context', name);
    file.touched = true;
  }

  /** What changed: only files that were edited and whose text differs, so an unchanged merge writes (and backs up) nothing. */
  edits(): KubeconfigEdit[] {
    return this.docs.flatMap((file) => {
      if (!file.touched) return [];
      // kubectl writes list items flush with their key; so does this, leaving its files' lines as they were.
      const after = file.doc.toString({ indentSeq: false });
      return after === file.text ? [] : [{ path: file.path, before: file.text, after }];
    });
  }
}

/**
 * The lab's entries into the KUBECONFIG list as client-go's ModifyConfig writes them
 * (tools/clientcmd/config.go): an entry that exists is written back into its file of origin, a new
 * one into the default file, and a current context that is set goes into the default file too
 * (writeCurrentContext). An existing entry of that name which Cluster Lab did not write for this
 * lab is refused. A kubeconfig without a current context gets the lab's, as kind, minikube and k3d
 * do on a first cluster.
 */
export function planMerge(files: KubeconfigText[], defaultFile: string, lab: LabEntries, dir: string, setCurrent: boolean) {
  const docs = new KubeconfigDocs(files);
  const theirs: { key: ListKey; path: string }[] = [];
  let home = defaultFile;
  for (const key of LIST_KEYS) {
    const entry = lab[key][0]!;
    const found = docs.find(key, lab.name);
    if (!found) docs.add(defaultFile, key, entry);
    else if (!ownedEntry(key, found.value, dir)) theirs.push({ key, path: found.path });
    else if (canonical(found.value) !== canonical(entry)) docs.replace(found.path, key, found.index, entry);
    if (key === 'contexts' && found) home = found.path;
  }
  if (theirs.length > 0) {
    const kinds = theirs.map((t) => BODY[t.key]);
    const what = kinds.length === 1 ? `a ${kinds[0]}` : `a ${kinds.slice(0, -1).join(', a ')} and a ${kinds.at(-1)}`;
    const where = [...new Set(theirs.map((t) => t.path))].join(', ');
    throw new AppError(
      'conflict',
      `Your kubeconfig already has ${what} named "${lab.name}" that Cluster Lab did not write for this lab (${where}).`,
      {
        hint: `Nothing was changed. Merge the lab under another name (cluster-lab kubeconfig --merge --context NAME), or rename yours first (kubectl config rename-context).`,
      },
    );
  }
  const current = docs.currentContext();
  if ((setCurrent || !current) && current?.name !== lab.name) docs.setCurrentContext(defaultFile, lab.name);
  return { edits: docs.edits(), home, currentContext: docs.currentContext()?.name ?? null };
}

/**
 * Every entry Cluster Lab wrote for lab `dir`, whatever its name, out of every file of the list
 * (ModifyConfig deletes in the file of origin too). A current context that was one of them is
 * unset where it is set, as `kubectl config unset current-context` would.
 */
export function planRemove(files: KubeconfigText[], dir: string) {
  const docs = new KubeconfigDocs(files);
  const removed: Record<ListKey, string[]> = { clusters: [], users: [], contexts: [] };
  for (const key of LIST_KEYS) removed[key] = docs.removeWhere(key, (entry) => ownedEntry(key, entry, dir));
  // Each file may name one: unset every one that is gone, so no earlier choice of a removed context comes back.
  for (let current = docs.currentContext(); current && !docs.find('contexts', current.name); current = docs.currentContext())
    docs.setCurrentContext(current.path, null);
  return { edits: docs.edits(), removed, currentContext: docs.currentContext()?.name ?? null };
}

/**
 * Who writes: our pid and its start time (Linux: field 22 of /proc/PID/stat, so a reused pid is
 * not taken for us; "0" where there is no /proc). Temporary files and locks carry it, so the next
 * writer can tell what a killed one left from what a live one holds.
 */
interface Writer {
  pid: number;
  start: string;
  host: string;
}

/** Whether the writer of a lock or temporary file still runs; "0" is a start time that was not known. */
const writerAlive = (pid: number, start: string) => processAlive(pid, start === '0' ? null : start, null);

let self: Promise<Writer> | null = null;
const thisWriter = () => (self ??= processStart(process.pid).then((start) => ({ pid: process.pid, start: start ?? '0', host: os.hostname() })));

/** Cluster Lab's temporary files beside a kubeconfig: hidden, recognisable, and naming their writer. */
const TEMP_PREFIX = '.cluster-lab-tmp-';
const TEMP_NAME = /^\.cluster-lab-tmp-(\d+)-(\d+)-[0-9a-f]{12}$/;
const tempIn = (dir: string, w: Writer) => path.join(dir, `${TEMP_PREFIX}${w.pid}-${w.start}-${randomBytes(6).toString('hex')}`);

/** Remove the temporary files a Cluster Lab that died (kill -9, a power cut) left in `dir`. */
async function sweepTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const match = TEMP_NAME.exec(name);
    if (match && !(await writerAlive(Number(match[1]), match[2]!))) await rm(path.join(dir, name), { force: true });
  }
}

const lockOf = (file: string) => `${file}.lock`;

/** Our lock's text; kubectl's lock files are empty, and are never judged stale by us. */
const lockText = (w: Writer) => `${JSON.stringify({ by: 'cluster-lab', pid: w.pid, start: w.start, host: w.host })}\n`;

function lockHolder(text: string | null): Writer | null {
  try {
    const value = JSON.parse(text ?? '') as unknown;
    if (
      isPlain(value) &&
      value.by === 'cluster-lab' &&
      Number.isSafeInteger(value.pid) &&
      typeof value.start === 'string' &&
      typeof value.host === 'string'
    )
      return { pid: value.pid as number, start: value.start, host: value.host };
  } catch {
    // empty (kubectl's) or foreign
  }
  return null;
}

/** Take away our own lock when the Cluster Lab that left it is dead; true when it is gone. */
async function clearStaleLock(lock: string, w: Writer): Promise<boolean> {
  const before = await lstat(lock).catch(() => null);
  if (!before) return true;
  const text = await readPlainFile(lock, { maxBytes: 1024 }).catch(() => null);
  const holder = lockHolder(text);
  if (!holder || holder.host !== w.host || (await writerAlive(holder.pid, holder.start))) return false;
  // Atomic: move it aside, then make sure it is the very lock judged stale (a live writer may have taken its place meanwhile).
  const aside = tempIn(path.dirname(lock), w);
  if (
    !(await rename(lock, aside).then(
      () => true,
      () => false,
    ))
  )
    return !existsSync(lock);
  const moved = await lstat(aside);
  if (moved.ino !== before.ino || moved.dev !== before.dev) await link(aside, lock).catch(() => {});
  await rm(aside, { force: true });
  return moved.ino === before.ino && moved.dev === before.dev;
}

/**
 * kubectl's lock on a kubeconfig: `<file>.lock`, created exclusively and removed afterwards; a lock
 * that exists fails the write at once (client-go tools/clientcmd/loader.go, lockFile). Ours is made
 * whole before it appears (a file linked into place), so it is never seen empty.
 */
async function takeLock(file: string, w: Writer): Promise<boolean> {
  const lock = lockOf(file);
  for (let attempt = 0; attempt < 2; attempt++) {
    const temp = tempIn(path.dirname(lock), w);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(lockText(w));
      } finally {
        await handle.close();
      }
      await link(temp, lock);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No folder: no file there to write, and nothing to lock.
      if (code === 'ENOENT') return false;
      if (code !== 'EEXIST') throw ioError(error, lock, 'create the lock');
    } finally {
      await rm(temp, { force: true });
    }
    if (attempt === 0 && (await clearStaleLock(lock, w))) continue;
    const holder = lockHolder(await readPlainFile(lock, { maxBytes: 1024 }).catch(() => null));
    throw new AppError(
      'busy',
      `${file} is locked: ${lock} exists${holder ? ` (Cluster Lab, process ${holder.pid}${holder.host !== w.host ? ` on ${holder.host}` : ''})` : ''}.`,
      {
        hint: holder
          ? 'Another Cluster Lab is writing that file right now: try again in a moment.'
          : `kubectl holds that lock only while it writes the file: try again in a moment. If no kubectl is running, a killed one left it: delete ${lock}.`,
      },
    );
  }
  return false;
}

async function releaseLock(file: string, w: Writer): Promise<void> {
  const lock = lockOf(file);
  if ((await readFile(lock, 'utf8').catch(() => null)) === lockText(w)) await rm(lock, { force: true });
}

/** Read one file of the KUBECONFIG list, through a link as kubectl does, refusing what is not a kubeconfig. */
async function readUserKubeconfig(file: string): Promise<KubeconfigText> {
  const text = await readPlainFile(file, { maxBytes: USER_KUBECONFIG_MAX_BYTES, followSymlinks: true, hint: notKubeconfigHint });
  if (text !== null) parseKubeconfig(text, file);
  else if ((await lstat(file).catch(() => null))?.isSymbolicLink())
    throw new AppError('conflict', `${file} is a link to a file that does not exist.`, {
      hint: `Nothing was changed. Create the file it points to, or remove the link, then try again.`,
    });
  return { path: file, text };
}

export interface WrittenFile {
  path: string;
  backupPath: string | null;
}

/**
 * Write the edits: each to a temporary file beside its target first; then, under kubectl's lock on
 * every file of the list (sorted, as ModifyConfig takes them), check that no file changed since it
 * was read, back up and rename. The lock is held only for that last moment. Null when a file
 * changed meanwhile: the caller reads and plans again.
 */
async function commitEdits(files: KubeconfigText[], edits: KubeconfigEdit[], rename: RenameDeps): Promise<WrittenFile[] | null> {
  const w = await thisWriter();
  const targets = await Promise.all(
    edits.map(async (edit) => {
      const real = await realpath(edit.path).catch(() => edit.path);
      await makeFolders(path.dirname(real));
      return { ...edit, real, temp: tempIn(path.dirname(real), w) };
    }),
  );
  const dirs = new Set([...files.map((f) => path.dirname(f.path)), ...targets.map((t) => path.dirname(t.real))]);
  for (const dir of dirs) await sweepTemps(dir);
  const locked: string[] = [];
  const pending = new Set(targets.map((t) => t.temp));
  try {
    for (const target of targets) {
      const mode = await stat(target.real).then(
        (s) => s.mode & 0o777,
        () => 0o600,
      );
      // Created 0600 (it holds credentials), given the target's own mode only once it is whole.
      const handle = await open(target.temp, 'wx', 0o600);
      try {
        await handle.writeFile(target.after);
        await handle.chmod(mode);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (const file of [...new Set(files.map((f) => f.path))].sort()) if (await takeLock(file, w)) locked.push(file);
    for (const file of files) if ((await readUserKubeconfig(file.path)).text !== file.text) return null;
    const written: WrittenFile[] = [];
    for (const target of targets) {
      const backupPath = target.before === null ? null : await backupFile(target.real);
      await renameRetrying(target.temp, target.real, rename);
      pending.delete(target.temp);
      written.push({ path: target.path, backupPath });
    }
    return written;
  } catch (error) {
    throw ioError(error, edits[0]!.path, 'write');
  } finally {
    for (const file of locked) await releaseLock(file, w);
    for (const temp of pending) await rm(temp, { force: true });
  }
}

/** Plan against the KUBECONFIG list as it is, and write; again when a file changed meanwhile. */
async function editUserKubeconfig<T extends { edits: KubeconfigEdit[] }>(
  ctx: Pick<ServiceContext, 'env' | 'platform' | 'homeDir'>,
  plan: (files: KubeconfigText[], defaultFile: string) => T,
  rename: RenameDeps,
): Promise<T & { files: WrittenFile[] }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const files = await Promise.all(kubeconfigFiles(ctx, existsSync, isWritableDir).map(readUserKubeconfig));
    const planned = plan(files, userKubeconfigPath(ctx, existsSync, isWritableDir));
    if (planned.edits.length === 0) return { ...planned, files: [] };
    const written = await commitEdits(files, planned.edits, rename);
    if (written) return { ...planned, files: written };
  }
  throw new AppError('busy', 'Your kubeconfig changed three times while Cluster Lab was writing it.', {
    hint: 'Another program keeps writing it: wait until it is done, then try again.',
  });
}

export interface MergeResult {
  /** The file that holds the lab's context: its file of origin, or where kubectl writes a new one. */
  path: string;
  context: string;
  /** The backup of that file, when it was changed. */
  backupPath: string | null;
  currentContext: string | null;
  /** Every file written, with its backup: none when the lab was merged already. */
  files: WrittenFile[];
}

/** The lab's checked kubeconfig, or the refusal that says to run Up. */
async function labCredentials(dir: string): Promise<LabCredentials> {
  const file = path.join(dir, LAB_KUBECONFIG);
  const checked = await readLabKubeconfig(file);
  if (!checked)
    throw new AppError('not_found', `This lab has no kubeconfig yet (${file}).`, {
      hint: 'Run Up first: it writes the kubeconfig when the server is ready.',
    });
  return checked.credentials;
}

/**
 * Merge lab `dir`'s cluster, user and context into the user's kubeconfig (as `context`, the lab's
 * name unless given), after a backup of each file it changes; refuses a file it cannot parse and a
 * same-named entry of the user's.
 */
export async function mergeIntoUserKubeconfig(
  ctx: Pick<ServiceContext, 'env' | 'platform' | 'homeDir'>,
  dir: string,
  lab: Pick<LabConfig, 'name' | 'server'>,
  options: { setCurrent: boolean; context?: string; rename?: RenameDeps },
): Promise<MergeResult> {
  const entries = labEntries(await labCredentials(dir), lab, dir, options.context ?? lab.name);
  const result = await editUserKubeconfig(
    ctx,
    (files, defaultFile) => planMerge(files, defaultFile, entries, dir, options.setCurrent),
    options.rename ?? systemRenameDeps,
  );
  return {
    path: result.home,
    context: entries.name,
    backupPath: result.files.find((f) => f.path === result.home)?.backupPath ?? null,
    currentContext: result.currentContext,
    files: result.files,
  };
}

export interface RemoveResult {
  /** The names of the contexts, clusters and users removed. */
  removed: Record<ListKey, string[]>;
  currentContext: string | null;
  files: WrittenFile[];
}

/** Remove from the user's kubeconfig every entry Cluster Lab wrote for lab `dir`, and nothing else. */
export async function removeFromUserKubeconfig(
  ctx: Pick<ServiceContext, 'env' | 'platform' | 'homeDir'>,
  dir: string,
  options: { rename?: RenameDeps } = {},
): Promise<RemoveResult> {
  const result = await editUserKubeconfig(ctx, (files) => planRemove(files, dir), options.rename ?? systemRenameDeps);
  return { removed: result.removed, currentContext: result.currentContext, files: result.files };
}
