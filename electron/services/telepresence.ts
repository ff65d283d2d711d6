/**
 * Telepresence's client config (`config.yml`) and its `routing.recursionBlockDuration`: where the
 * file lives on each OS, what it says, and a change that touches only the lines it must. The YAML
 * Document API finds the nodes; the edit is a splice at their source ranges, so the user's
 * comments, key order, quoting and spacing everywhere else stay byte for byte what they were.
 */
import { readFile, realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMap, isScalar, parseAllDocuments, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { AppError } from '../../shared/errors';
import {
  recursionBlockDurationIssue,
  recursionBlockHonoured,
  routeControllerAvailable,
  type TelepresenceState,
  type VifState,
} from '../../shared/telepresence';
import type { ServiceContext } from './context';
import { atomicWrite, backupFile, ioError } from './files';
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

/** The file's text, or null when there is no file yet. */
async function readConfig(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError(error, file, 'read');
  }
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
 * The system-wide config files Telepresence reads before the user's, in order, each overriding the
 * one before (v2.20.2 pkg/client/config.go LoadConfig over pkg/filelocation AppSystemConfigDirs:
 * $XDG_CONFIG_DIRS, default /etc/xdg, each with /telepresence). Linux only here.
 */
export function systemConfigPaths(ctx: Pick<ServiceContext, 'env' | 'platform'>): string[] {
  if (ctx.platform !== 'linux') return [];
  return (ctx.env.XDG_CONFIG_DIRS || '/etc/xdg')
    .split(':')
    .filter(Boolean)
    .map((dir) => path.join(dir, 'telepresence', 'config.yml'));
}

/** The value the system-wide config sets, from the last file that sets it; null when none does. */
async function systemRecursionBlock(ctx: ServiceContext): Promise<TelepresenceState['system']> {
  let found: TelepresenceState['system'] = null;
  for (const file of systemConfigPaths(ctx)) {
    const text = await readConfig(file).catch(() => null);
    const parsed = text === null ? null : parseConfig(text, file);
    const value = parsed?.ok ? blockValue(parsed.top) : null;
    if (value !== null) found = { path: file, recursionBlockDuration: value };
  }
  return found;
}

export async function telepresenceState(ctx: ServiceContext, configPath?: string): Promise<TelepresenceState> {
  const file = configPath ?? telepresenceConfigPath(ctx);
  const [text, binary, system] = await Promise.all([readConfig(file), detectTool('telepresence', ctx), systemRecursionBlock(ctx)]);
  const parsed = text === null ? null : parseConfig(text, file);
  return {
    path: file,
    exists: text !== null,
    recursionBlockDuration: parsed?.ok ? blockValue(parsed.top) : null,
    problem: parsed && !parsed.ok ? parsed.problem : null,
    binary,
    recursionBlockHonoured: recursionBlockHonoured(binary.version),
    routeController: { available: routeControllerAvailable(binary.version), installed: null },
    system,
    vif: vifState(ctx.platform, interfaceNames()),
  };
}

/**
 * Set (or, with null, remove) `routing.recursionBlockDuration`. A file that does not parse is never
 * touched; the previous version is backed up before the atomic write.
 */
export async function setRecursionBlock(ctx: ServiceContext, duration: string | null, configPath?: string): Promise<TelepresenceState> {
  const given = configPath ?? telepresenceConfigPath(ctx);
  // A config.yml that is a symlink (dotfiles) is written through, so the link stays a link.
  const file = await realpath(given).catch(() => given);
  const value = duration?.trim() ?? null;
  if (value !== null) {
    const issue = recursionBlockDurationIssue(value);
    if (issue) throw new AppError('invalid_input', issue, { issues: [{ path: 'duration', message: issue }] });
  }
  const text = (await readConfig(file)) ?? '';
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
    backupPath = await backupFile(file);
    await atomicWrite(file, next);
  }
  return { ...(await telepresenceState(ctx, given)), backupPath, written: next !== text };
}
