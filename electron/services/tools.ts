/**
 * Finding the tools Cluster Lab drives and reading their versions. A tool is looked up on PATH
 * and then in the folders installers use, because an app started from the macOS Dock or a desktop
 * launcher does not inherit the shell's PATH.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { AppError } from '../../shared/errors';
import { toolMeta, toolNames, type ToolInfo, type ToolName, type ToolReport } from '../../shared/host';
import type { ServiceContext } from './context';
import { runTool } from './process';
import { toolCandidates, withToolDirs } from './toolSearch';

async function isExecutableFile(file: string, platform: NodeJS.Platform): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    if (platform !== 'win32') await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH, then in the install folders (toolSearch.ts); null when none. */
export async function findExecutable(name: string, ctx: Pick<ServiceContext, 'env' | 'platform'>): Promise<string | null> {
  for (const candidate of toolCandidates(name, ctx.platform, ctx.env)) if (await isExecutableFile(candidate, ctx.platform)) return candidate;
  return null;
}

function isExecutableFileSync(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    if (platform !== 'win32') accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The environment for a child (vagrant, kubectl, telepresence): the folders of the tools found
 * now first on PATH, so what Vagrant runs as `VBoxManage` is what the doctor showed. A few stat
 * calls, synchronous so that every spawn site can take it inline.
 */
export function childEnv(ctx: Pick<ServiceContext, 'env' | 'platform'>): NodeJS.ProcessEnv {
  const found = Object.fromEntries(
    toolNames.map((tool) => [tool, toolCandidates(tool, ctx.platform, ctx.env).find((file) => isExecutableFileSync(file, ctx.platform)) ?? null]),
  );
  return withToolDirs(ctx.platform, ctx.env, found);
}

const versionArgs: Record<ToolName, string[]> = {
  vagrant: ['--version'],
  VBoxManage: ['--version'],
  kubectl: ['version', '--client', '--output=json'],
  telepresence: ['version'],
};

/** The version a tool prints, from its own output: `Vagrant 2.3.4`, `7.0.14r161095`, kubectl's JSON. */
export function parseToolVersion(tool: ToolName, output: string): string | null {
  if (tool === 'kubectl') {
    try {
      const json = JSON.parse(output) as { clientVersion?: { gitVersion?: string } };
      const v = json.clientVersion?.gitVersion;
      if (v) return v.replace(/^v/, '');
    } catch {
      // older kubectl prints `Client Version: v1.x` even when asked for JSON
    }
    return /Client Version:\s*v?(\d+\.\d+\.\d+[^\s]*)/.exec(output)?.[1] ?? null;
  }
  if (tool === 'telepresence') {
    // `OSS Client : v2.21.1` or `Client : v2.21.1` (the daemon lines follow and may be absent)
    return /Client\s*:\s*v?(\d+\.\d+\.\d+[^\s]*)/i.exec(output)?.[1] ?? /v?(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? null;
  }
  if (tool === 'VBoxManage') return /(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? null;
  return /Vagrant\s+v?(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? null;
}

export async function detectTool(tool: ToolName, ctx: Pick<ServiceContext, 'env' | 'platform'>): Promise<ToolInfo> {
  const file = await findExecutable(tool, ctx);
  if (!file) return { found: false, path: null, version: null };
  const env = { ...ctx.env, VAGRANT_CHECKPOINT_DISABLE: '1' };
  const result = await runTool(file, versionArgs[tool], { env, timeoutMs: 10_000 });
  const version = parseToolVersion(tool, `${result.stdout}\n${result.stderr}`);
  if (version) return { found: true, path: file, version };
  const error = result.spawnError ?? (result.timedOut ? 'timed out reading its version' : `version output not understood (exit ${result.exitCode})`);
  return { found: true, path: file, version: null, error };
}

export async function detectTools(ctx: Pick<ServiceContext, 'env' | 'platform'>): Promise<ToolReport> {
  const infos = await Promise.all(toolNames.map((tool) => detectTool(tool, ctx)));
  return Object.fromEntries(toolNames.map((tool, i) => [tool, infos[i]])) as ToolReport;
}

/** Compare dotted versions numerically: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((p) => parseInt(p, 10));
  const pb = b.split(/[.+-]/).map((p) => parseInt(p, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (Number.isNaN(pa[i]) ? 0 : (pa[i] ?? 0)) - (Number.isNaN(pb[i]) ? 0 : (pb[i] ?? 0));
    if (d !== 0) return d;
  }
  return 0;
}

/** The tools a job needs, found before anything starts; one message naming every missing one and where to get it. */
export async function requireTools(ctx: Pick<ServiceContext, 'env' | 'platform'>, names: ToolName[]): Promise<Record<ToolName, string>> {
  const found = await Promise.all(names.map(async (name) => [name, await findExecutable(name, ctx)] as const));
  const missing = found.filter(([, file]) => file === null).map(([name]) => name);
  if (missing.length)
    throw new AppError(
      'tool_missing',
      `${missing.map((n) => toolMeta[n].label).join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not installed (not found on PATH).`,
      {
        hint: missing.map((n) => toolMeta[n].installHint).join(' '),
      },
    );
  return Object.fromEntries(found) as Record<ToolName, string>;
}
