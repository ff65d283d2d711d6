/**
 * Telepresence's client config (`config.yml`) and its `routing.recursionBlockDuration`: where the
 * file lives on each OS, what it says, and a change that touches only the lines it must. The YAML
 * Document API finds the nodes; the edit is a splice at their source ranges, so the user's
 * comments, key order, quoting and spacing everywhere else stay byte for byte what they were.
 */
import { constants } from 'node:fs';
import { access, readlink, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMap, isScalar, parseAllDocuments, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { AppError } from '../../shared/errors';
import {
  recursionBlockDurationIssue,
  recursionBlockHonoured,
  routeControllerAvailable,
  versionAtLeast,
  type TelepresenceState,
  type VifState,
} from '../../shared/telepresence';
import type { ServiceContext } from './context';
import { atomicWrite, backupFile, lstatIfAny, readPlainFile } from './files';
import { detectTool } from './tools';

const ROUTING = 'routing';
const BLOCK = 'recursionBlockDuration';

/**
 * Where Telepresence reads its user config (telepresence v2.20.2 pkg/filelocation: AppUserConfigDir
 * over borrowed_os_file.go's UserConfigDir). On Linux $XDG_CONFIG_HOME is taken as given, even when
 * relative (Telepresence checks no IsAbs, so it is then relative to the working directory), else ~/.config.
 */
export function telepresenceConfigPath(ctx: Pick<ServiceContext, 'env' | 'platform' | 'homeDir'>, cwd = process.cwd()): string {
  if (ctx.platform === 'win32') {
    const appData = ctx.env.APPDATA || path.win32.join(ctx.homeDir, 'AppData', 'Roaming');
    return path.win32.join(appData, 'telepresence', 'config.yml');
  }
  if (ctx.platform === 'darwin') return path.posix.join(ctx.homeDir, 'Library', 'Application Support', 'telepresence', 'config.yml');
  const configHome = ctx.env.XDG_CONFIG_HOME ? path.resolve(cwd, ctx.env.XDG_CONFIG_HOME) : path.join(ctx.homeDir, '.config');
  return path.join(configHome, 'telepresence', 'config.yml');
}

/** Telepresence's config files are a few lines of YAML; nothing near this is one. */
const CONFIG_MAX_BYTES = 1024 * 1024;

/**
 * The file's text, or null when there is no file yet: read as any file Cluster Lab did not write
 * (files.ts's readPlainFile: never a FIFO or a device, within a size), through a link, since the
 * user's dotfiles may be links. A link to nothing is named as one: writing there would replace the
 * link with a file.
 */
async function readConfig(file: string): Promise<string | null> {
  const text = await readPlainFile(file, {
    maxBytes: CONFIG_MAX_BYTES,
    followSymlinks: true,
    hint: 'Telepresence reads config.yml as a plain file: move this one away, then try again.',
  });
  if (text !== null || !(await lstatIfAny(file))?.isSymbolicLink()) return text;
  throw new AppError('io', `${file} is a symbolic link to ${await readlink(file)}, which does not exist; Cluster Lab does not replace the link.`, {
    hint: 'Create the file the link points to (it may be empty), or remove the link, then try again.',
  });
}

/** A file that exists but may not be written: refused, never replaced (the rename would succeed regardless). */
async function refuseReadOnly(file: string): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (!info) return;
  const writable =
    (info.mode & 0o222) !== 0 &&
    (await access(file, constants.W_OK).then(
      () => true,
      () => false,
    ));
  if (!writable)
    throw new AppError('io', `${file} is read-only; Cluster Lab leaves it as it is.`, {
      hint: `Make it writable (chmod u+w "${file}") for Cluster Lab to change it, or edit it by hand.`,
    });
}

type Parsed = { ok: true; doc: Document.Parsed; top: YAMLMap | null } | { ok: false; problem: string };

/** The config as a document whose top level is a mapping (or empty), or why it is not. */
function parseConfig(text: string, file: string): Parsed {
  const docs = parseAllDocuments(text);
  if (docs.length > 1) return { ok: false, problem: `${file} holds ${docs.length} YAML documents; Telepresence reads one.` };
  const doc = docs[0] ?? parseDocument(text);
  const error = doc.errors[0];
  if (error) {
    const where = error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    return {
      ok: false,
      problem: `${file} is not valid YAML${where}: ${error.message.split('\n')[0]!.replace(/\s*at line \d+, column \d+:?\s*$/, '')}.`,
    };
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return { ok: true, doc, top: null };
  if (!isMap(doc.contents)) return { ok: false, problem: `${file} does not hold a mapping of settings at its top level.` };
  return { ok: true, doc, top: doc.contents };
}

function blockValue(top: YAMLMap | null): string | null {
  const routing = top?.get(ROUTING, true);
  if (!isMap(routing)) return null;
  const value = routing.get(BLOCK, true);
  if (!isScalar(value) || value.value === null) return null;
  return String(value.value);
}

const lineStart = (text: string, at: number) => text.lastIndexOf('\n', at - 1) + 1;
/**
 * The end (index of its newline, or the text's end) of the line a node ends on, given the end of its
 * range. yaml ends a value's range at its content or just past that line's newline, never later
 * (trailing blank lines, spaces and comments are outside it), so one character back is enough.
 */
function contentLineEnd(text: string, at: number): number {
  const eol = text.indexOf('\n', Math.max(at - 1, 0));
  return eol === -1 ? text.length : eol;
}
const range = (node: Node | null | undefined) => node?.range ?? null;

/** The text with `routing.recursionBlockDuration` set to `value`; only the lines it needs change. */
export function withRecursionBlock(text: string, top: YAMLMap | null, doc: Document.Parsed, value: string): string {
  const routingPair = top?.items.find((p) => isScalar(p.key) && p.key.value === ROUTING) as Pair<Node, Node | null> | undefined;
  const block = `${ROUTING}:\n  ${BLOCK}: ${value}\n`;
  if (!top || !routingPair) {
    if (top?.flow) return setWithDocument(doc, value);
    const body = text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;
    return body + block;
  }
  const routing = routingPair.value;
  if (isScalar(routing) && routing.value === null) {
    // `routing:`, `routing: ~` or `routing: null` (yaml gives even the bare key a null scalar, with
    // an empty range): the null goes, the block goes under the key.
    const [from, to] = routing.range!;
    const body = to > from ? text.slice(0, from).trimEnd() + text.slice(to) : text;
    const end = contentLineEnd(body, range(routingPair.key as Node)![1]);
    return `${body.slice(0, end)}\n  ${BLOCK}: ${value}${body.slice(end)}`;
  }
  if (!isMap(routing))
    throw new AppError('invalid_input', `"${ROUTING}" in the Telepresence config is not a mapping of settings.`, {
      hint: `Fix the "${ROUTING}:" entry by hand (it should hold keys such as subnets), then try again.`,
    });
  if (routing.flow) return setWithDocument(doc, value);
  const existing = routing.items.find((p) => isScalar(p.key) && p.key.value === BLOCK) as Pair<Node, Node | null> | undefined;
  if (existing?.value && range(existing.value)) {
    const [start, end] = range(existing.value)!;
    if (start !== end) return text.slice(0, start) + value + text.slice(end);
    const at = contentLineEnd(text, range(existing.key)![1]);
    return `${text.slice(0, at)} ${value}${text.slice(at)}`;
  }
  const firstKey = range(routing.items[0]!.key as Node)![0];
  const indent = text.slice(lineStart(text, firstKey), firstKey);
  const last = routing.items[routing.items.length - 1]!;
  const end = contentLineEnd(text, range((last.value ?? last.key) as Node)![1]);
  return `${text.slice(0, end)}\n${indent}${BLOCK}: ${value}${text.slice(end)}`;
}

/** The text without `routing.recursionBlockDuration`; a `routing:` left empty goes too. */
export function withoutRecursionBlock(text: string, top: YAMLMap | null, doc: Document.Parsed): string {
  const routingPair = top?.items.find((p) => isScalar(p.key) && p.key.value === ROUTING) as Pair<Node, Node | null> | undefined;
  const routing = routingPair?.value;
  if (!routingPair || !isMap(routing)) return text;
  const existing = routing.items.find((p) => isScalar(p.key) && p.key.value === BLOCK) as Pair<Node, Node | null> | undefined;
  if (!existing) return text;
  if (routing.flow || top!.flow) {
    doc.deleteIn([ROUTING, BLOCK]);
    if ((doc.getIn([ROUTING]) as YAMLMap).items.length === 0) doc.delete(ROUTING);
    return doc.toString();
  }
  const cut = (from: number, to: number) => text.slice(0, lineStart(text, from)) + text.slice(Math.min(to + 1, text.length));
  if (routing.items.length === 1) return cut(range(routingPair.key)![0], contentLineEnd(text, range(existing.value ?? existing.key)![1]));
  return cut(range(existing.key)![0], contentLineEnd(text, range(existing.value ?? existing.key)![1]));
}

/** Flow-style YAML (`routing: {subnets: [...]}`) has no lines of its own to splice: let the document print it. */
function setWithDocument(doc: Document.Parsed, value: string): string {
  doc.setIn([ROUTING, BLOCK], value);
  return doc.toString();
}

const tunNames: Record<string, RegExp> = { linux: /^tel\d*$/, win32: /^tel\d*$/i, darwin: /^utun\d+$/ };

/** Whether Telepresence's VIF is up, from the host's interface names. */
export function vifState(platform: NodeJS.Platform, interfaceNames: string[]): VifState {
  const pattern = tunNames[platform] ?? tunNames.linux!;
  const interfaces = interfaceNames.filter((name) => pattern.test(name));
  if (platform === 'darwin') {
    return {
      up: null,
      interfaces,
      note: interfaces.length
        ? `macOS has ${interfaces.join(', ')}, but every VPN, iCloud Private Relay and Telepresence use utun devices, so this cannot tell whether Telepresence is connected; \`telepresence status\` can.`
        : 'No utun device is up, so Telepresence is not connected.',
    };
  }
  return {
    up: interfaces.length > 0,
    interfaces,
    note: interfaces.length
      ? `Telepresence's VIF is up (${interfaces.join(', ')}): it is connected now.`
      : 'No tel* device is up: Telepresence is not connected now.',
  };
}

function interfaceNames(): string[] {
  return Object.keys(os.networkInterfaces());
}

/**
 * The release whose client reads its system-wide config.yml from one fixed folder per OS
 * (pkg/filelocation/osfile_{linux,darwin,windows}.go: RootConfigDir) instead of $XDG_CONFIG_DIRS.
 * Taken as 2.27, whose installers (the root daemon as a system service) brought RootConfigDir; the
 * 2.29 reference/config.md is the first to name these folders for the system-wide config.yml, and
 * the source read here does not show the switch in LoadConfig itself, so 2.27 and 2.28 are the
 * least certain.
 */
export const SYSTEM_CONFIG_ROOT_SINCE = '2.27.0';
const systemConfigRoots: Partial<Record<NodeJS.Platform, string>> = {
  win32: 'C:\\ProgramData\\Telepresence',
  darwin: '/Library/Application Support/telepresence',
};

/**
 * The system-wide config files a client of this version reads before the user's, in order, each
 * overriding the one before (pkg/client/config.go LoadConfig, which merges each in turn). 2.21 to
 * 2.26: $XDG_CONFIG_DIRS (default /etc/xdg), each with /telepresence, on every OS, macOS and
 * Windows included (pkg/filelocation/misc.go systemConfigDirs, filepath.SplitList); later:
 * /etc/telepresence, /Library/Application Support/telepresence or C:\ProgramData\Telepresence.
 * None without a client version: nothing reads them then.
 */
export function systemConfigPaths(ctx: Pick<ServiceContext, 'env' | 'platform'>, version: string | null): string[] {
  if (!version) return [];
  const p = ctx.platform === 'win32' ? path.win32 : path.posix;
  if (versionAtLeast(version, SYSTEM_CONFIG_ROOT_SINCE)) {
    return [p.join(systemConfigRoots[ctx.platform] ?? '/etc/telepresence', 'config.yml')];
  }
  return (ctx.env.XDG_CONFIG_DIRS || '/etc/xdg')
    .split(ctx.platform === 'win32' ? ';' : ':')
    .filter(Boolean)
    .map((dir) => p.join(dir, 'telepresence', 'config.yml'));
}

/** Each readable config file's top-level mapping, system files first, the user's last; broken and odd ones are passed over. */
async function readableConfigs(files: string[]): Promise<{ file: string; top: YAMLMap }[]> {
  const found: { file: string; top: YAMLMap }[] = [];
  for (const file of files) {
    const text = await readConfig(file).catch(() => null);
    const parsed = text === null ? null : parseConfig(text, file);
    if (parsed?.ok && parsed.top) found.push({ file, top: parsed.top });
  }
  return found;
}

/** The value the system-wide config sets, from the last file that sets it. */
async function systemRecursionBlock(paths: string[]): Promise<TelepresenceState['system']> {
  let found: TelepresenceState['system'] = { paths, path: null, recursionBlockDuration: null };
  for (const { file, top } of await readableConfigs(paths)) {
    const value = blockValue(top);
    if (value !== null) found = { paths, path: file, recursionBlockDuration: value };
  }
  return found;
}

/** Telepresence's own namespace when none is configured (pkg/client/config.go: cluster.defaultManagerNamespace). */
export const DEFAULT_MANAGER_NAMESPACE = 'ambassador';
const rfc1123Label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The namespace the traffic manager goes into: `cluster.defaultManagerNamespace` from the config
 * files the installed client reads (the user's last), else "ambassador".
 */
export async function managerNamespace(ctx: ServiceContext, version: string | null): Promise<string> {
  let namespace = DEFAULT_MANAGER_NAMESPACE;
  let from: string | null = null;
  for (const { file, top } of await readableConfigs([...systemConfigPaths(ctx, version), telepresenceConfigPath(ctx)])) {
    const cluster = top.get('cluster', true);
    const value = isMap(cluster) ? cluster.get('defaultManagerNamespace', true) : null;
    if (isScalar(value) && typeof value.value === 'string' && value.value !== '') [namespace, from] = [value.value, file];
  }
  if (!rfc1123Label.test(namespace))
    throw new AppError('invalid_input', `cluster.defaultManagerNamespace "${namespace}" in ${from} is not a Kubernetes namespace name.`, {
      hint: 'Use lower-case letters, digits and dashes (at most 63), starting and ending with a letter or digit.',
    });
  return namespace;
}

/**
 * The client config and what the installed client makes of it. `configPath` is the CLI's `--config`
 * alone: the page-facing contract carries no path (the page reaches only Telepresence's own file).
 */
export async function telepresenceState(ctx: ServiceContext, configPath?: string): Promise<TelepresenceState> {
  const file = configPath ?? telepresenceConfigPath(ctx);
  const binary = await detectTool('telepresence', ctx);
  const [read, system] = await Promise.all([
    readConfig(file).then(
      (text) => ({ text, problem: null }),
      (error: unknown) => ({ text: null, problem: error instanceof AppError ? error.message : String(error) }),
    ),
    systemRecursionBlock(systemConfigPaths(ctx, binary.version)),
  ]);
  const parsed = read.text === null ? null : parseConfig(read.text, file);
  return {
    path: file,
    exists: read.text !== null || read.problem !== null,
    recursionBlockDuration: parsed?.ok ? blockValue(parsed.top) : null,
    problem: read.problem ?? (parsed && !parsed.ok ? parsed.problem : null),
    binary,
    recursionBlockHonoured: recursionBlockHonoured(binary.version),
    routeController: { available: routeControllerAvailable(binary.version) },
    system,
    vif: vifState(ctx.platform, interfaceNames()),
  };
}

/**
 * Set (or, with null, remove) `routing.recursionBlockDuration`. A file that does not parse, is
 * read-only, or is not a regular file (a FIFO, a device, a symlink to nothing) is never touched;
 * the previous version is backed up before the atomic write. `configPath` is the CLI's alone.
 */
export async function setRecursionBlock(ctx: ServiceContext, duration: string | null, configPath?: string): Promise<TelepresenceState> {
  const given = configPath ?? telepresenceConfigPath(ctx);
  const value = duration?.trim() ?? null;
  if (value !== null) {
    const issue = recursionBlockDurationIssue(value);
    if (issue) throw new AppError('invalid_input', issue, { issues: [{ path: 'duration', message: issue }] });
  }
  const text = (await readConfig(given)) ?? '';
  // A config.yml that is a symlink (dotfiles) is written through, so the link stays a link.
  const file = await realpath(given).catch(() => given);
  const parsed = parseConfig(text, file);
  if (!parsed.ok) {
    throw new AppError('invalid_input', `${parsed.problem} It was left as it is.`, {
      hint: 'Fix the file by hand (or move it away), then try again.',
    });
  }
  const next = value === null ? withoutRecursionBlock(text, parsed.top, parsed.doc) : withRecursionBlock(text, parsed.top, parsed.doc, value);
  const check = parseDocument(next);
  if (check.errors.length || (value !== null && String(check.getIn([ROUTING, BLOCK])) !== value)) {
    throw new AppError('internal', `Cluster Lab could not merge ${BLOCK} into ${file} safely; the file was left as it is.`, {
      hint: `Add "${ROUTING}:\\n  ${BLOCK}: ${value}" to the file by hand.`,
    });
  }
  let backupPath: string | null = null;
  if (next !== text) {
    await refuseReadOnly(file);
    backupPath = await backupFile(file);
    await atomicWrite(file, next);
  }
  return { ...(await telepresenceState(ctx, given)), backupPath, written: next !== text };
}
