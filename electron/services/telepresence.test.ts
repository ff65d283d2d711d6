import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMap, parse, parseDocument } from 'yaml';
import { AppError } from '../../shared/errors';
import { parseGoDuration, recursionBlockDurationIssue } from '../../shared/telepresence';
import { createContext, type ServiceContext } from './context';
import {
  setRecursionBlock,
  systemConfigPaths,
  telepresenceConfigPath,
  telepresenceState,
  vifState,
  withoutRecursionBlock,
  withRecursionBlock,
} from './telepresence';
import { tempDirs } from '../../fixtures/tmp';

const tempDir = tempDirs('telepresence');

async function tempHome(): Promise<{ home: string; ctx: ServiceContext; file: string }> {
  const home = await tempDir('cl-tp-');
  const ctx = createContext({
    env: { PATH: '', XDG_CONFIG_HOME: path.join(home, 'xdg'), XDG_CONFIG_DIRS: path.join(home, 'sys') },
    platform: 'linux',
    homeDir: home,
  });
  return { home, ctx, file: path.join(home, 'xdg', 'telepresence', 'config.yml') };
}

async function withConfig(text: string) {
  const t = await tempHome();
  await mkdir(path.dirname(t.file), { recursive: true });
  await writeFile(t.file, text);
  return t;
}

describe('Go durations', () => {
  it.each(['1ms', '500us', '500µs', '2s', '1m30s', '1.5s', '1h', '.5s'])('accepts %s', (value) => {
    expect(recursionBlockDurationIssue(value)).toBeNull();
  });
  it.each(['fast', '-1ms', '', '   ', '1', '1 ms', 'ms', '1ms2', '0s', '+1ms'])('refuses "%s", naming the field and giving examples', (value) => {
    const issue = recursionBlockDurationIssue(value);
    expect(issue).toMatch(/routing\.recursionBlockDuration/);
    expect(issue).toMatch(/1ms/);
  });
  it('computes what Go computes', () => {
    expect(parseGoDuration('1m30s')).toBe(90e9);
    expect(parseGoDuration('1.5s')).toBe(1.5e9);
    expect(parseGoDuration('500us')).toBe(500e3);
  });
});

describe('where the client config lives', () => {
  it('honours XDG_CONFIG_HOME on Linux, else ~/.config', () => {
    expect(telepresenceConfigPath({ env: { XDG_CONFIG_HOME: '/x/cfg' }, platform: 'linux', homeDir: '/home/u' })).toBe(
      '/x/cfg/telepresence/config.yml',
    );
    expect(telepresenceConfigPath({ env: {}, platform: 'linux', homeDir: '/home/u' })).toBe('/home/u/.config/telepresence/config.yml');
    // Telepresence takes a relative value as given, so it is relative to the working directory
    // (the XDG spec would ignore it; Telepresence's UserConfigDir does not).
    expect(telepresenceConfigPath({ env: { XDG_CONFIG_HOME: 'rel' }, platform: 'linux', homeDir: '/home/u' }, '/work')).toBe(
      '/work/rel/telepresence/config.yml',
    );
  });
  it('uses Application Support on macOS and %APPDATA% on Windows', () => {
    expect(telepresenceConfigPath({ env: {}, platform: 'darwin', homeDir: '/Users/u' })).toBe(
      '/Users/u/Library/Application Support/telepresence/config.yml',
    );
    expect(telepresenceConfigPath({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, platform: 'win32', homeDir: 'C:\\Users\\u' })).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\telepresence\\config.yml',
    );
  });
});

describe('writing routing.recursionBlockDuration', () => {
  it('creates the file (and its folder) when there is none, with no backup', async () => {
    const { ctx, file } = await tempHome();
    const state = await setRecursionBlock(ctx, '1ms');
    expect(state).toMatchObject({ path: file, exists: true, recursionBlockDuration: '1ms', backupPath: null, problem: null, written: true });
    expect(await readFile(file, 'utf8')).toBe('routing:\n  recursionBlockDuration: 1ms\n');
    // The same value again changes nothing: there is nothing for a running Telepresence to pick up.
    expect((await setRecursionBlock(ctx, '1ms')).written).toBe(false);
  });

  it('fills an empty file', async () => {
    const { ctx, file } = await withConfig('');
    await setRecursionBlock(ctx, '1ms');
    expect(await readFile(file, 'utf8')).toBe('routing:\n  recursionBlockDuration: 1ms\n');
  });

  it('keeps comments, key order and other settings byte for byte, adding one block at the end', async () => {
    const original = [
      '# my telepresence settings',
      'timeouts:',
      '  agentInstall:   1m   # slow cluster',
      "  intercept: '10s'",
      '',
      'logLevels: {userDaemon: debug}',
      'images:',
      '  registry: privateRepo # not docker.io',
    ].join('\n');
    const { ctx, file } = await withConfig(original);
    const state = await setRecursionBlock(ctx, '1ms');
    const after = await readFile(file, 'utf8');
    expect(after).toBe(`${original}\nrouting:\n  recursionBlockDuration: 1ms\n`);
    expect(await readFile(state.backupPath!, 'utf8')).toBe(original);
  });

  it('merges into an existing routing: with subnets, keeping its indentation and comments', async () => {
    const original = [
      'routing:',
      '    subnets:',
      '      - 10.0.0.0/8   # the office',
      '      - 172.16.0.0/12',
      '    # next: never-proxy',
      'cluster:',
      '  defaultManagerNamespace: ambassador',
      '',
    ].join('\n');
    const { ctx, file } = await withConfig(original);
    await setRecursionBlock(ctx, '2s');
    const after = await readFile(file, 'utf8');
    expect(after).toBe(original.replace('      - 172.16.0.0/12\n', '      - 172.16.0.0/12\n    recursionBlockDuration: 2s\n'));
    expect(parse(after)).toEqual({
      routing: { subnets: ['10.0.0.0/8', '172.16.0.0/12'], recursionBlockDuration: '2s' },
      cluster: { defaultManagerNamespace: 'ambassador' },
    });
  });

  it('changes only the value of an existing setting, keeping its comment', async () => {
    const original = 'routing:\n  recursionBlockDuration: "5ms"  # was slower\n  allowConflictingSubnets: []\n';
    const { ctx, file } = await withConfig(original);
    await setRecursionBlock(ctx, '500us');
    expect(await readFile(file, 'utf8')).toBe('routing:\n  recursionBlockDuration: 500us  # was slower\n  allowConflictingSubnets: []\n');
  });

  it('fills a routing: that has no value yet', async () => {
    const { ctx, file } = await withConfig('routing:\ndns:\n  recursionCheck: false\n');
    await setRecursionBlock(ctx, '1ms');
    expect(await readFile(file, 'utf8')).toBe('routing:\n  recursionBlockDuration: 1ms\ndns:\n  recursionCheck: false\n');
  });

  it('replaces a null routing: (~ or null) with the block', async () => {
    for (const nothing of ['~', 'null']) {
      const { ctx, file } = await withConfig(`routing: ${nothing}\ndns:\n  recursionCheck: false\n`);
      await setRecursionBlock(ctx, '1ms');
      expect(await readFile(file, 'utf8')).toBe('routing:\n  recursionBlockDuration: 1ms\ndns:\n  recursionCheck: false\n');
    }
  });

  it('writes through a config.yml that is a symlink, keeping the link', async () => {
    const { ctx, file, home } = await tempHome();
    const real = path.join(home, 'dotfiles', 'telepresence.yml');
    await mkdir(path.dirname(real), { recursive: true });
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(real, 'timeouts:\n  intercept: 10s\n');
    await symlink(real, file);
    const state = await setRecursionBlock(ctx, '1ms');
    expect(state.path).toBe(file);
    expect((await lstat(file)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, 'utf8')).toBe('timeouts:\n  intercept: 10s\nrouting:\n  recursionBlockDuration: 1ms\n');
  });

  it('writes into flow-style YAML through the document', async () => {
    const { ctx, file } = await withConfig('routing: {subnets: [10.0.0.0/8]}\n');
    await setRecursionBlock(ctx, '1ms');
    expect(parse(await readFile(file, 'utf8'))).toEqual({ routing: { subnets: ['10.0.0.0/8'], recursionBlockDuration: '1ms' } });
  });

  it('removes the setting, and a routing: it leaves empty', async () => {
    const original = '# keep me\nrouting:\n  recursionBlockDuration: 1ms\ntimeouts:\n  intercept: 10s\n';
    const { ctx, file } = await withConfig(original);
    const state = await setRecursionBlock(ctx, null);
    expect(state.recursionBlockDuration).toBeNull();
    expect(await readFile(file, 'utf8')).toBe('# keep me\ntimeouts:\n  intercept: 10s\n');
  });

  it('removes only its own line from a routing: with other settings', async () => {
    const { ctx, file } = await withConfig('routing:\n  subnets: [10.0.0.0/8]\n  recursionBlockDuration: 1ms # added by Cluster Lab\n');
    await setRecursionBlock(ctx, null);
    expect(await readFile(file, 'utf8')).toBe('routing:\n  subnets: [10.0.0.0/8]\n');
  });

  it('does not write at all when removing a setting that is not there', async () => {
    const { ctx, file } = await withConfig('timeouts:\n  intercept: 10s\n');
    const state = await setRecursionBlock(ctx, null);
    expect(state.backupPath).toBeNull();
    expect(await readdir(path.dirname(file))).toEqual(['config.yml']);
  });

  it('never touches a file that is not valid YAML', async () => {
    const broken = 'routing:\n  subnets: [10.0.0.0/8\ntimeouts: {\n';
    const { ctx, file } = await withConfig(broken);
    const error = await setRecursionBlock(ctx, '1ms').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalid_input');
    expect((error as AppError).message).toMatch(/not valid YAML at line \d+/);
    expect((error as AppError).message).toContain(file);
    expect(await readFile(file, 'utf8')).toBe(broken);
    expect(await readdir(path.dirname(file))).toEqual(['config.yml']);
    const state = await telepresenceState(ctx);
    expect(state).toMatchObject({ exists: true, recursionBlockDuration: null, problem: expect.stringMatching(/not valid YAML/) });
  });

  it('refuses a file whose top level is not a mapping, and a routing: that is not one', async () => {
    for (const text of ['- a\n- b\n', 'routing: yes please\n']) {
      const { ctx, file } = await withConfig(text);
      await expect(setRecursionBlock(ctx, '1ms')).rejects.toMatchObject({ code: 'invalid_input' });
      expect(await readFile(file, 'utf8')).toBe(text);
    }
  });

  it('refuses a bad duration before reading anything', async () => {
    const { ctx, file } = await withConfig('a: 1\n');
    for (const bad of ['fast', '-1ms', '']) {
      await expect(setRecursionBlock(ctx, bad)).rejects.toMatchObject({
        code: 'invalid_input',
        issues: [{ path: 'duration', message: expect.stringMatching(/recursionBlockDuration/) }],
      });
    }
    expect(await readFile(file, 'utf8')).toBe('a: 1\n');
  });

  it('reports a folder it cannot write to (a file stands where the folder should be), even as root', async () => {
    const { ctx, home } = await tempHome();
    const blocker = path.join(home, 'xdg');
    await writeFile(blocker, 'not a folder');
    await expect(setRecursionBlock(ctx, '1ms')).rejects.toMatchObject({ code: 'io', message: expect.stringMatching(/folder/) });
    expect(await readFile(blocker, 'utf8')).toBe('not a folder');
  });

  it('writes to an explicit --config path instead of the default', async () => {
    const { ctx, home } = await tempHome();
    const file = path.join(home, 'elsewhere.yml');
    const state = await setRecursionBlock(ctx, '1ms', file);
    expect(state.path).toBe(file);
    expect(parse(await readFile(file, 'utf8'))).toEqual({ routing: { recursionBlockDuration: '1ms' } });
  });
});

describe('telepresence state', () => {
  it('reports a missing binary and a missing file', async () => {
    const { ctx, file } = await tempHome();
    const state = await telepresenceState(ctx);
    expect(state).toMatchObject({
      path: file,
      exists: false,
      recursionBlockDuration: null,
      binary: { found: false },
      recursionBlockHonoured: null,
      routeController: { available: null, installed: null },
    });
  });

  it('tells whether the installed version reads the setting', async () => {
    const { ctx, home } = await tempHome();
    const bin = path.join(home, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'telepresence'), '#!/bin/sh\necho "OSS Client : v2.20.3"\n', { mode: 0o755 });
    const state = await telepresenceState({ ...ctx, env: { ...ctx.env, PATH: bin } });
    expect(state.binary).toMatchObject({ found: true, version: '2.20.3' });
    expect(state.recursionBlockHonoured).toBe(false);
  });

  it.each([
    ['2.20.3', false, false],
    ['2.21.0', true, false],
    ['2.26.9', true, false],
    ['2.27.0', false, true],
    ['2.28.1', false, true],
  ])(
    'telepresence %s: the client setting acted on %s, the route controller available %s (telepresenceio/telepresence#4062)',
    async (version, honoured, routeController) => {
      const { ctx, home } = await tempHome();
      const bin = path.join(home, 'bin');
      await mkdir(bin);
      await writeFile(path.join(bin, 'telepresence'), `#!/bin/sh\necho "OSS Client : v${version}"\n`, { mode: 0o755 });
      const state = await telepresenceState({ ...ctx, env: { ...ctx.env, PATH: bin } });
      expect(state).toMatchObject({ recursionBlockHonoured: honoured, routeController: { available: routeController, installed: null } });
    },
  );

  it('reads the VIF from interface names, and says utun on macOS is ambiguous', () => {
    expect(vifState('linux', ['lo', 'eth0', 'tel0'])).toMatchObject({ up: true, interfaces: ['tel0'] });
    expect(vifState('linux', ['lo', 'eth0', 'telnet-ish'])).toMatchObject({ up: false, interfaces: [] });
    expect(vifState('win32', ['Ethernet', 'tel0'])).toMatchObject({ up: true });
    const mac = vifState('darwin', ['en0', 'utun0', 'utun3']);
    expect(mac.up).toBeNull();
    expect(mac.note).toMatch(/cannot tell/);
  });
});

/** The edit functions on a text as setRecursionBlock hands it to them. */
function edit(text: string, value: string | null): string {
  const doc = parseDocument(text);
  const top = isMap(doc.contents) ? doc.contents : null;
  return value === null ? withoutRecursionBlock(text, top, doc) : withRecursionBlock(text, top, doc, value);
}

describe('the edit, line by line', () => {
  it('appends the block to a file without routing:, ending the last line first', () => {
    expect(edit('', '1s')).toBe('routing:\n  recursionBlockDuration: 1s\n');
    expect(edit('logLevels:\n  userDaemon: debug', '1s')).toBe('logLevels:\n  userDaemon: debug\nrouting:\n  recursionBlockDuration: 1s\n');
    expect(edit('# only a comment\n', '1s')).toBe('# only a comment\nrouting:\n  recursionBlockDuration: 1s\n');
  });

  it('puts the setting under a routing: that is empty or null, where the null was', () => {
    expect(edit('routing:\nother: 1\n', '2s')).toBe('routing:\n  recursionBlockDuration: 2s\nother: 1\n');
    expect(edit('routing: ~\nother: 1\n', '2s')).toBe('routing:\n  recursionBlockDuration: 2s\nother: 1\n');
    expect(edit('routing: null\n\n\nother: 1\n', '2s')).toBe('routing:\n  recursionBlockDuration: 2s\n\n\nother: 1\n');
    expect(edit('a: 1\nrouting:', '2s')).toBe('a: 1\nrouting:\n  recursionBlockDuration: 2s');
  });

  it('replaces only the value, or fills an empty one, keeping what follows', () => {
    expect(edit('routing:\n  recursionBlockDuration: 1s # why\n', '250ms')).toBe('routing:\n  recursionBlockDuration: 250ms # why\n');
    expect(edit('routing:\n  recursionBlockDuration:\n  subnets: []\n', '2s')).toBe('routing:\n  recursionBlockDuration: 2s\n  subnets: []\n');
  });

  it('adds the setting after the last one in routing:, at its indentation, before blank lines and comments', () => {
    const text = 'routing:\n    subnets:\n      - 10.0.0.0/8\n\n# the rest\nother: 1\n';
    expect(edit(text, '1s')).toBe('routing:\n    subnets:\n      - 10.0.0.0/8\n    recursionBlockDuration: 1s\n\n# the rest\nother: 1\n');
    expect(edit('routing:\n  alsoProxySubnets: []\n  neverProxySubnets:\n', '1s')).toBe(
      'routing:\n  alsoProxySubnets: []\n  neverProxySubnets:\n  recursionBlockDuration: 1s\n',
    );
  });

  it('inserts after the last line that holds something, not after a block scalar’s trailing blank lines', () => {
    expect(edit('routing:\n  note: |\n    hello\n\n\nother: 1\n', '9s')).toBe(
      'routing:\n  note: |\n    hello\n  recursionBlockDuration: 9s\n\n\nother: 1\n',
    );
    expect(edit('routing:\n  subnets:\n    - a\n\n\n# c\nother: 1\n', '9s')).toBe(
      'routing:\n  subnets:\n    - a\n  recursionBlockDuration: 9s\n\n\n# c\nother: 1\n',
    );
    expect(edit('routing:\n  a: 1\n  recursionBlockDuration: |\n    1s\n\n\nother: 1\n', null)).toBe('routing:\n  a: 1\n\n\nother: 1\n');
  });

  it('lets the document print flow-style YAML, at the top or in routing:', () => {
    expect(parse(edit('{a: 1}', '1s'))).toEqual({ a: 1, routing: { recursionBlockDuration: '1s' } });
    expect(parse(edit('routing: {subnets: [10.0.0.0/8]}\n', '1s'))).toEqual({ routing: { subnets: ['10.0.0.0/8'], recursionBlockDuration: '1s' } });
  });

  it('refuses a routing: that is a value or a list, saying what to fix', () => {
    for (const text of ['routing: 5\n', 'routing:\n- a\n'])
      expect(() => edit(text, '1s'), text).toThrow(
        expect.objectContaining({
          code: 'invalid_input',
          message: '"routing" in the Telepresence config is not a mapping of settings.',
          hint: 'Fix the "routing:" entry by hand (it should hold keys such as subnets), then try again.',
        }),
      );
  });

  it('removes the line, and routing: with it when nothing else is there; leaves other files as they are', () => {
    expect(edit('a: 1\nrouting:\n  recursionBlockDuration: 1s\nb: 2\n', null)).toBe('a: 1\nb: 2\n');
    expect(edit('routing:\n  recursionBlockDuration:\nb: 2\n', null)).toBe('b: 2\n');
    expect(edit('routing:\n  subnets: []\n  recursionBlockDuration: 1s\n  dns: {}\n', null)).toBe('routing:\n  subnets: []\n  dns: {}\n');
    expect(edit('routing:\n  recursionBlockDuration: 1s', null)).toBe('');
    expect(edit('routing:\n  recursionBlockDuration: |\n    1s\nother: 1\n', null)).toBe('other: 1\n');
    for (const text of ['a: 1\n', 'routing: 5\n', 'routing:\n  subnets: []\n', '']) expect(edit(text, null), text).toBe(text);
  });

  it('removes it from flow-style YAML through the document, and an emptied routing with it', () => {
    expect(parse(edit('{routing: {recursionBlockDuration: 1s}, a: 1}', null))).toEqual({ a: 1 });
    expect(parse(edit('routing: {recursionBlockDuration: 1s, subnets: []}\n', null))).toEqual({ routing: { subnets: [] } });
  });
});

describe('what Telepresence reads, at the edges', () => {
  it('finds %APPDATA% on Windows, or the roaming folder under the profile when it is not set', () => {
    expect(telepresenceConfigPath({ env: {}, platform: 'win32', homeDir: 'C:\\Users\\u' })).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\telepresence\\config.yml',
    );
    expect(telepresenceConfigPath({ env: { APPDATA: 'D:\\Roam' }, platform: 'win32', homeDir: 'C:\\Users\\u' })).toBe(
      'D:\\Roam\\telepresence\\config.yml',
    );
  });

  it('reads the system-wide files from $XDG_CONFIG_DIRS in order on Linux only, else /etc/xdg', () => {
    expect(systemConfigPaths({ env: { XDG_CONFIG_DIRS: '/a::/b' }, platform: 'linux' })).toEqual([
      '/a/telepresence/config.yml',
      '/b/telepresence/config.yml',
    ]);
    expect(systemConfigPaths({ env: {}, platform: 'linux' })).toEqual(['/etc/xdg/telepresence/config.yml']);
    expect(systemConfigPaths({ env: { XDG_CONFIG_DIRS: '/a' }, platform: 'darwin' })).toEqual([]);
  });

  it('takes the system value from the last file that sets it, skipping broken and silent ones', async () => {
    const { ctx, home } = await tempHome();
    const dirs = ['one', 'two', 'three', 'four'].map((d) => path.join(home, d));
    const files = dirs.map((d) => path.join(d, 'telepresence', 'config.yml'));
    for (const file of files) await mkdir(path.dirname(file), { recursive: true });
    await writeFile(files[0]!, 'routing:\n  recursionBlockDuration: 1s\n');
    await writeFile(files[1]!, 'routing:\n  recursionBlockDuration: 3s\n');
    await writeFile(files[2]!, 'routing: [\n');
    await writeFile(files[3]!, 'routing:\n  subnets: []\n');
    // A system file that cannot be read (a folder stands there) is passed over like a missing one.
    const unreadable = path.join(home, 'unreadable');
    await mkdir(path.join(unreadable, 'telepresence', 'config.yml'), { recursive: true });
    const state = await telepresenceState({ ...ctx, env: { ...ctx.env, XDG_CONFIG_DIRS: [...dirs, path.join(home, 'none'), unreadable].join(':') } });
    expect(state.system).toEqual({ path: files[1], recursionBlockDuration: '3s' });
    expect((await telepresenceState({ ...ctx, env: { ...ctx.env, XDG_CONFIG_DIRS: dirs[3] } })).system).toBeNull();
  });

  it('says why a config cannot be used: several documents, bad YAML where, not a mapping', async () => {
    const problem = async (text: string) => {
      const { ctx, file } = await withConfig(text);
      return [(await telepresenceState(ctx)).problem, file] as const;
    };
    const [several, file] = await problem('a: 1\n---\nb: 2\n');
    expect(several).toBe(`${file} holds 2 YAML documents; Telepresence reads one.`);
    const [bad, file2] = await problem('routing:\n  subnets: [10.0.0.0/8\n');
    expect(bad).toMatch(new RegExp(`^${file2.replace(/[.]/g, '\\.')} is not valid YAML at line \\d+, column \\d+: [^\\n]*[^:\\s]\\.$`));
    expect(bad).not.toMatch(/at line \d+, column \d+:?\s*\.$/);
    const [late, file4] = await problem('a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\ni: 9\nj: 10\nkkkkkkkkkkkk: "x" y\n');
    expect(late).toBe(`${file4} is not valid YAML at line 11, column 19: Unexpected scalar at node end.`);
    const [scalar, file3] = await problem('just words\n');
    expect(scalar).toBe(`${file3} does not hold a mapping of settings at its top level.`);
    for (const empty of ['', '~\n', '# nothing yet\n']) {
      const { ctx } = await withConfig(empty);
      expect(await telepresenceState(ctx), empty).toMatchObject({ exists: true, problem: null, recursionBlockDuration: null });
    }
  });

  it('reads the value only from a routing: mapping, and a null as no value', async () => {
    for (const [text, value] of [
      ['routing:\n  recursionBlockDuration: ~\n', null],
      ['routing: [recursionBlockDuration]\n', null],
      ['recursionBlockDuration: 1s\n', null],
      ['routing:\n  recursionBlockDuration: 600\n', '600'],
      ['routing:\n  recursionBlockDuration: "1s"\n', '1s'],
    ] as const) {
      const { ctx } = await withConfig(text);
      expect((await telepresenceState(ctx)).recursionBlockDuration, text).toBe(value);
    }
  });

  it('trims the duration it is given, and leaves an unchanged file unwritten and unbacked', async () => {
    const { ctx, file } = await withConfig('routing:\n  recursionBlockDuration: 2s\n');
    const same = await setRecursionBlock(ctx, '  2s  ');
    expect(same).toMatchObject({ written: false, backupPath: null, recursionBlockDuration: '2s' });
    expect(await readdir(path.dirname(file))).toEqual(['config.yml']);
  });

  it('says a file it cannot read, and one it will not touch, in full', async () => {
    const { ctx, file } = await tempHome();
    await mkdir(file, { recursive: true });
    await expect(setRecursionBlock(ctx, '1s')).rejects.toMatchObject({
      code: 'io',
      message: `Could not read ${file}: a folder stands where a file should be.`,
    });
    const broken = await withConfig('a: 1\n---\nb: 2\n');
    await expect(setRecursionBlock(broken.ctx, '1s')).rejects.toMatchObject({
      code: 'invalid_input',
      message: `${broken.file} holds 2 YAML documents; Telepresence reads one. It was left as it is.`,
      hint: 'Fix the file by hand (or move it away), then try again.',
    });
  });

  it('finds the VIF by its whole name, case-sensitively but on Windows, and says each state in full', () => {
    expect(vifState('linux', ['tel', 'tel12', 'hotel0', 'tel0x', 'TEL1']).interfaces).toEqual(['tel', 'tel12']);
    expect(vifState('win32', ['TEL1', 'tel12', 'xtel0', 'tel0 ']).interfaces).toEqual(['TEL1', 'tel12']);
    expect(vifState('freebsd', ['tel3', 'TEL4']).interfaces).toEqual(['tel3']);
    expect(vifState('darwin', ['utun', 'utun10', 'xutun1', 'utun2a'])).toEqual({
      up: null,
      interfaces: ['utun10'],
      note: 'macOS has utun10, but every VPN, iCloud Private Relay and Telepresence use utun devices, so this cannot tell whether Telepresence is connected; `telepresence status` can.',
    });
    expect(vifState('darwin', ['utun0', 'utun3']).note).toMatch(/^macOS has utun0, utun3, but /);
    expect(vifState('darwin', ['en0'])).toEqual({ up: null, interfaces: [], note: 'No utun device is up, so Telepresence is not connected.' });
    expect(vifState('linux', ['tel0', 'tel1'])).toEqual({
      up: true,
      interfaces: ['tel0', 'tel1'],
      note: "Telepresence's VIF is up (tel0, tel1): it is connected now.",
    });
    expect(vifState('linux', ['eth0'])).toEqual({ up: false, interfaces: [], note: 'No tel* device is up: Telepresence is not connected now.' });
  });
});
