/**
 * The one door for what a lab hands back to the host. A lab's VMs run images and workloads the user
 * did not write, and they can write into the synced `shared/` (k3s leaves its `k3s.yaml` there); a
 * lab folder can come from a colleague. So nothing else reads those files: each is opened here
 * without following links, only as a regular file (a FIFO would block a reader for ever, a device
 * could be anything), bounded in size before it is read, and parsed against an allow-list. Past this
 * module the values are typed and trusted.
 *
 * What a kubeconfig may carry is the question that matters: client-go acts on many of its fields on
 * the host. `exec` and `auth-provider` run programs, `tokenFile` reads a host file, `proxy-url`
 * sends the traffic elsewhere, `insecure-skip-tls-verify` and `tls-server-name` loosen the server
 * check (k8s.io/client-go tools/clientcmd/api/v1/types.go, Cluster and AuthInfo). k3s writes only
 * `server`, `certificate-authority-data`, `client-certificate-data` and `client-key-data`, one
 * cluster, user and context (k3s pkg/clientaccess/kubeconfig.go, WriteClientKubeConfig), so those
 * are all a lab's kubeconfig may hold.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { AppError } from '../../../shared/errors';
import { describeKind, readPlainFile } from '../files';

/** The synced folder (`/vagrant_shared` in the guests): the only folder a guest writes on the host. */
export const HANDOFF_DIR = 'shared';
/** Where the server's provisioning script copies /etc/rancher/k3s/k3s.yaml. */
export const K3S_YAML = path.join(HANDOFF_DIR, 'k3s.yaml');
/** k3s's file is about 3 KiB (three PEM blocks of an EC key and certificates); anything near this is not it. */
export const K3S_YAML_MAX_BYTES = 64 * 1024;
/** The name of the kubeconfig extension that marks an entry Cluster Lab wrote (client-go NamedExtension). */
export const CLUSTER_LAB_EXTENSION = 'cluster-lab';

/** The credentials of a lab's kubeconfig: the only fields the host takes from k3s.yaml. */
export interface LabCredentials {
  certificateAuthorityData: string;
  clientCertificateData: string;
  clientKeyData: string;
}

/** What marks an entry Cluster Lab wrote for a lab: its folder, and for a cluster the server it wrote. */
export interface LabMarker {
  folder: string;
  server?: string;
}

/** A kubeconfig whose shape has been checked: one cluster, one user, one context. */
export interface StrictKubeconfig {
  credentials: LabCredentials;
  names: { cluster: string; user: string; context: string };
  /** Each entry's Cluster Lab marker, when the file may carry one. */
  markers: { cluster?: LabMarker; user?: LabMarker; context?: LabMarker };
}

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);

/** PEM blocks (RFC 7468) of the given labels, and nothing else: what k3s puts in each *-data field. */
function isPem(text: string, labels: readonly string[]): boolean {
  const block = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----\r?\n?/y;
  let blocks = 0;
  while (block.lastIndex < text.length) {
    const match = block.exec(text);
    if (!match || !labels.includes(match[1]!)) return false;
    blocks++;
  }
  return blocks > 0;
}

const CERTIFICATE = ['CERTIFICATE'] as const;
const PRIVATE_KEY = ['EC PRIVATE KEY', 'PRIVATE KEY', 'RSA PRIVATE KEY'] as const;

/**
 * Parse a lab's kubeconfig strictly: k3s.yaml as k3s writes it, or the lab's own kubeconfig.yaml
 * (`marked`: its entries carry Cluster Lab's marker). Every field not on the allow-list is refused,
 * naming the file and the field, before anything acts on it.
 */
export function parseLabKubeconfig(text: string, file: string, options: { marked: boolean; hint: string }): StrictKubeconfig {
  const refuse = (field: string, why: string) => new AppError('failed', `${file}: ${field} ${why}.`, { hint: options.hint });
  // No aliases at all (k3s writes none: an alias is only good for an expansion bomb), one document, unique keys.
  const doc = YAML.parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: false });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw refuse('is not YAML Cluster Lab can read', `(${problem.message.split('\n')[0]!.replace(/:$/, '')})`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 0 });
  } catch (error) {
    throw refuse('holds a YAML alias', `(${error instanceof Error ? error.message : String(error)}), which a kubeconfig from k3s never has`);
  }
  if (!isPlain(value)) throw refuse('is not a kubeconfig', '(not a YAML mapping)');
  const allowOnly = (object: Plain, where: string, allowed: readonly string[]) => {
    for (const key of Object.keys(object))
      if (!allowed.includes(key))
        throw refuse(
          `${where}${where ? '.' : ''}${key}`,
          `is not allowed: a lab's kubeconfig holds only ${allowed.map((k) => `"${k}"`).join(', ')} there`,
        );
  };
  const string = (object: Plain, key: string, where: string): string => {
    const field = object[key];
    if (typeof field !== 'string' || field === '') throw refuse(`${where}.${key}`, 'must be a non-empty string');
    return field;
  };
  allowOnly(value, '', ['apiVersion', 'kind', 'clusters', 'users', 'contexts', 'current-context', 'preferences']);
  if (value.apiVersion !== undefined && value.apiVersion !== 'v1') throw refuse('apiVersion', 'must be v1');
  if (value.kind !== undefined && value.kind !== 'Config') throw refuse('kind', 'must be Config');
  if (value.preferences !== undefined && value.preferences !== null && !(isPlain(value.preferences) && Object.keys(value.preferences).length === 0))
    throw refuse('preferences', 'must be empty');

  const marker = (object: Plain, where: string, withServer: boolean): LabMarker | undefined => {
    if (!options.marked) return undefined;
    const list = object.extensions;
    const only = Array.isArray(list) && list.length === 1 && isPlain(list[0]) ? list[0] : null;
    if (!only || only.name !== CLUSTER_LAB_EXTENSION || !isPlain(only.extension))
      throw refuse(`${where}.extensions`, `must be the one "${CLUSTER_LAB_EXTENSION}" entry Cluster Lab writes`);
    allowOnly(only, `${where}.extensions[0]`, ['name', 'extension']);
    allowOnly(only.extension, `${where}.extensions[0].extension`, withServer ? ['folder', 'server'] : ['folder']);
    const folder = string(only.extension, 'folder', `${where}.extensions[0].extension`);
    return withServer ? { folder, server: string(only.extension, 'server', `${where}.extensions[0].extension`) } : { folder };
  };
  const extensions = options.marked ? ['extensions'] : [];

  /** The one entry of a list, its name and its body, with only the allowed fields in the body. */
  const single = (key: 'clusters' | 'users' | 'contexts', body: string, fields: readonly string[]) => {
    const list = value[key];
    if (!Array.isArray(list) || list.length !== 1)
      throw refuse(key, `must hold exactly one entry (it holds ${Array.isArray(list) ? list.length : 'none'})`);
    const entry: unknown = list[0];
    if (!isPlain(entry)) throw refuse(`${key}[0]`, 'must be a mapping');
    allowOnly(entry, `${key}[0]`, ['name', body]);
    const name = string(entry, 'name', `${key}[0]`);
    const inner = entry[body];
    if (!isPlain(inner)) throw refuse(`${key}[0].${body}`, 'must be a mapping');
    allowOnly(inner, `${key}[0].${body}`, [...fields, ...extensions]);
    return { name, inner, where: `${key}[0].${body}` };
  };
  const data = (object: Plain, key: string, where: string, labels: readonly string[]) => {
    const field = string(object, key, where);
    const decoded = Buffer.from(field, 'base64');
    // Strict base64: what decodes must encode back to the very same text.
    if (decoded.toString('base64') !== field || !isPem(decoded.toString('latin1'), labels))
      throw refuse(`${where}.${key}`, `must be base64 of PEM ${labels.join(' or ')} blocks`);
    return field;
  };

  const cluster = single('clusters', 'cluster', ['certificate-authority-data', 'server']);
  // The server is not taken: k3s writes 127.0.0.1, and the host uses the address it knows.
  if (cluster.inner.server !== undefined) string(cluster.inner, 'server', cluster.where);
  const user = single('users', 'user', ['client-certificate-data', 'client-key-data']);
  const context = single('contexts', 'context', ['cluster', 'user']);
  if (string(context.inner, 'cluster', context.where) !== cluster.name)
    throw refuse(`${context.where}.cluster`, `must name the cluster "${cluster.name}"`);
  if (string(context.inner, 'user', context.where) !== user.name) throw refuse(`${context.where}.user`, `must name the user "${user.name}"`);
  const current = value['current-context'];
  if (current !== undefined && current !== null && current !== '' && current !== context.name)
    throw refuse('current-context', `must be the context "${context.name}"`);

  return {
    credentials: {
      certificateAuthorityData: data(cluster.inner, 'certificate-authority-data', cluster.where, CERTIFICATE),
      clientCertificateData: data(user.inner, 'client-certificate-data', user.where, CERTIFICATE),
      clientKeyData: data(user.inner, 'client-key-data', user.where, PRIVATE_KEY),
    },
    names: { cluster: cluster.name, user: user.name, context: context.name },
    markers: {
      cluster: marker(cluster.inner, cluster.where, true),
      user: marker(user.inner, user.where, false),
      context: marker(context.inner, context.where, false),
    },
  };
}

const guestHint =
  'Nothing was run or written. Cluster Lab takes only the CA, the client certificate and the client key from what the server VM leaves in shared/; something in that VM changed the file. Look at the server (vagrant ssh server), or Destroy the lab and Up again.';

/**
 * k3s's credentials from the server's `shared/k3s.yaml` in lab folder `dir`; an AppError naming the
 * file and the field for anything else. The synced folder itself must be a folder of the lab, not a
 * link to somewhere else.
 */
export async function readK3sCredentials(dir: string): Promise<LabCredentials> {
  const shared = path.join(dir, HANDOFF_DIR);
  const file = path.join(dir, K3S_YAML);
  const folder = await lstat(shared).catch(() => null);
  if (folder && !folder.isDirectory())
    throw new AppError('failed', `${shared} is ${describeKind(folder)}, not the lab's synced folder: Cluster Lab does not read through it.`, {
      hint: `Move it away and write the lab again (Review step, or \`cluster-lab render\`), then run Up.`,
    });
  const text = folder ? await readPlainFile(file, { maxBytes: K3S_YAML_MAX_BYTES, hint: guestHint }) : null;
  if (text === null)
    throw new AppError('failed', `The server did not leave its kubeconfig at ${file}.`, {
      hint: 'The k3s install on the server did not finish: read the provisioning lines of "server" above, fix the cause, then run Provision.',
    });
  return parseLabKubeconfig(text, file, { marked: false, hint: guestHint }).credentials;
}
