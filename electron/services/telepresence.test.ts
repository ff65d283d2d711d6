import { spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, parse, parseDocument } from 'yaml';
import { AppError } from '../../shared/errors';
import { MAX_GO_DURATION, parseGoDuration, recursionBlockDurationIssue } from '../../shared/telepresence';
import { dispatch } from './dispatch';
import { createServices } from './index';
import { createContext, type ServiceContext } from './context';
import {
  managerNamespace,
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

/** A telepresence on the context's PATH that says it is `version`. */
async function withClient(ctx: ServiceContext, home: string, version: string): Promise<ServiceContext> {
  const bin = path.join(home, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(path.join(bin, 'telepresence'), `#!/bin/sh\necho "OSS Client : v${version}"\n`, { mode: 0o755 });
  return { ...ctx, env: { ...ctx.env, PATH: bin } };
}

describe('Go durations', () => {
  it.each(['1ms', '500us', '500µs', '500μs', '2s', '1m30s', '1.5s', '1h', '.5s', '5.s', '+1ms', '2h45m', '1h1h', MAX_GO_DURATION])(
    'accepts %s',
    (value) => {
      expect(recursionBlockDurationIssue(value)).toBeNull();
    },
  );
  it.each(['fast', '-1ms', '', '   ', '1', '1 ms', 'ms', '1ms2', '0s', '0', '+', '.s', '1.ms.', '1d', '1MS', '1ms ms'])(
    'refuses "%s", naming the field and giving examples',
    (value) => {
      const issue = recursionBlockDurationIssue(value);
      expect(issue).toMatch(/routing\.recursionBlockDuration/);
      expect(issue).toMatch(/1ms/);
    },
  );
  it.each(['9999999999h', '2562048h', '2562047h47m16.854775808s', '9223372036854775808ns', '99999999999999999999s', '5124095h1h'])(
    "refuses %s, which overflows Go's int64 nanoseconds, naming the field and the range",
    (value) => {
      expect(parseGoDuration(value)).toEqual({ error: 'overflow' });
      expect(recursionBlockDurationIssue(value)).toBe(
        `routing.recursionBlockDuration "${value}" is longer than Go (and so Telepresence) can hold: give at most 2562047h47m16.854775807s (about 106,751 days), such as 1ms (the usual value), 500us, 2s or 1m30s.`,
      );
    },
  );
  it('computes what Go computes, to the nanosecond', () => {
    expect(parseGoDuration('1m30s')).toEqual({ nanos: 90_000_000_000n });
    expect(parseGoDuration('1.5s')).toEqual({ nanos: 1_500_000_000n });
    expect(parseGoDuration('500us')).toEqual({ nanos: 500_000n });
    expect(parseGoDuration(MAX_GO_DURATION)).toEqual({ nanos: (1n << 63n) - 1n });
    // A negative value may reach one nanosecond further, as in Go.
    expect(parseGoDuration('-2562047h47m16.854775808s')).toEqual({ nanos: -(1n << 63n) });
    // Go's own table (src/time/time_test.go parseDurationTests).
    expect(parseGoDuration('1.004h')).toEqual({ nanos: 3_614_400_000_000n });
    expect(parseGoDuration('.3333333333333333333h')).toEqual({ nanos: 1_200_000_000_000n });
    expect(parseGoDuration('0.100000000000000000000h')).toEqual({ nanos: 360_000_000_000n });
    expect(parseGoDuration('0.9223372036854775807s')).toEqual({ nanos: 922_337_203n });
    expect(parseGoDuration('9223372036854775.807us')).toEqual({ nanos: (1n << 63n) - 1n });
    expect(parseGoDuration('1x')).toEqual({ error: 'unknown unit' });
    expect(parseGoDuration('1')).toEqual({ error: 'missing unit' });
    expect(parseGoDuration('-')).toEqual({ error: 'invalid' });
  });

  // Go's grammar, [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ with digits on one side of the dot at least and a
  // known unit, or "0": whatever matches it parses, whatever does not is refused.
  const grammar = /^[-+]?(0|((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
  const unitNs = { ns: 1n, us: 1_000n, µs: 1_000n, μs: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
  const units = Object.keys(unitNs) as (keyof typeof unitNs)[];
  it("accepts exactly the strings of Go's grammar, and sums whole numbers exactly up to the int64 limit", () => {
    const part = fc.record({ n: fc.bigInt({ min: 0n, max: 10_000_000_000_000n }), unit: fc.constantFrom(...units) });
    fc.assert(
      fc.property(fc.constantFrom('', '+', '-'), fc.array(part, { minLength: 1, maxLength: 4 }), (sign, parts) => {
        const text = sign + parts.map((p) => `${p.n}${p.unit}`).join('');
        const sum = parts.reduce((total, p) => total + p.n * unitNs[p.unit], 0n);
        const limit = sign === '-' ? 1n << 63n : (1n << 63n) - 1n;
        // Go refuses a part over 2^63 ns, then a total over 2^63 (a negative one) or 2^63 - 1.
        const overflow = parts.some((p) => p.n * unitNs[p.unit] > 1n << 63n) || sum > limit;
        expect(parseGoDuration(text)).toEqual(overflow ? { error: 'overflow' } : { nanos: sign === '-' ? -sum : sum });
      }),
    );
    const alphabet = fc.constantFrom(...'0123456789.+-nsuµμmhx '.split(''));
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 12 }).map((chars) => chars.join('')),
        (text) => {
          const result = parseGoDuration(text);
          // Only a string of the grammar parses; one that does not is refused, as too long at worst
          // when a number before the stray character already overflows (Go checks as it goes).
          if ('nanos' in result || result.error !== 'overflow') expect('nanos' in result, text).toBe(grammar.test(text));
        },
      ),
      { numRuns: 2000 },
    );
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

describe('the page names no path; odd files are refused, never read forever nor replaced', () => {
  it('refuses a configPath from the page (IPC and WebSocket go through dispatch), touching nothing', async () => {
    const { ctx, home, file } = await tempHome();
    const elsewhere = path.join(home, 'docker-compose.yml');
    await writeFile(elsewhere, 'services: {}\n');
    const services = createServices(ctx);
    const { handlers } = services;
    for (const [name, args] of [
      ['telepresence.state', { configPath: '/etc/shadow' }],
      ['telepresence.setRecursionBlock', { duration: '1ms', configPath: elsewhere }],
    ] as const) {
      const envelope = await dispatch(handlers, name, args);
      expect(envelope, name).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('configPath') } });
    }
    expect(await readFile(elsewhere, 'utf8')).toBe('services: {}\n');
    await expect(lstat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    // Without a path the page reaches Telepresence's own file.
    expect(await dispatch(handlers, 'telepresence.setRecursionBlock', { duration: '1ms' })).toMatchObject({ ok: true, value: { path: file } });
    await services.dispose();
  });

  it.skipIf(process.platform === 'win32')('says a FIFO is one, at once, and leaves it a FIFO', async () => {
    const { ctx, file } = await tempHome();
    await mkdir(path.dirname(file), { recursive: true });
    expect(spawnSync('mkfifo', [file]).status).toBe(0);
    const message = `${file} is a FIFO (named pipe), not a plain file: Cluster Lab neither opens nor replaces it.`;
    expect(await telepresenceState(ctx)).toMatchObject({ exists: true, problem: message, recursionBlockDuration: null });
    await expect(setRecursionBlock(ctx, '1ms')).rejects.toMatchObject({ code: 'io', message, hint: expect.stringContaining('move this one away') });
    expect((await lstat(file)).isFIFO()).toBe(true);
  });

  it.skipIf(process.platform === 'win32')('refuses a config.yml that leads to a device (/dev/zero never ends)', async () => {
    const { ctx, file } = await tempHome();
    await mkdir(path.dirname(file), { recursive: true });
    await symlink('/dev/zero', file);
    await expect(setRecursionBlock(ctx, '1ms')).rejects.toMatchObject({
      code: 'io',
      message: expect.stringContaining('is a device, not a plain file'),
    });
    expect((await telepresenceState(ctx)).problem).toMatch(/is a device/);
    expect((await lstat(file)).isSymbolicLink()).toBe(true);
  });

  it('refuses a config.yml larger than any Telepresence config, unread and untouched', async () => {
    const { ctx, file } = await withConfig(`# ${'x'.repeat(1024 * 1024)}\n`);
    await expect(setRecursionBlock(ctx, '1ms')).rejects.toMatchObject({
      code: 'io',
      message: expect.stringContaining(`${file} is larger than 1048576 bytes`),
    });
    expect((await telepresenceState(ctx)).problem).toContain('is larger than');
    expect((await readFile(file, 'utf8')).length).toBe(1024 * 1024 + 3);
  });

  it('refuses a symlink to nothing instead of replacing the link with a file', async () => {
    const { ctx, file, home } = await tempHome();
    await mkdir(path.dirname(file), { recursive: true });
    const target = path.join(home, 'dotfiles', 'telepresence.yml');
    await symlink(target, file);
    await expect(setRecursionBlock(ctx, '1ms')).rejects.toMatchObject({
      code: 'io',
      message: `${file} is a symbolic link to ${target}, which does not exist; Cluster Lab does not replace the link.`,
      hint: expect.stringContaining('Create the file the link points to'),
    });
    expect((await lstat(file)).isSymbolicLink()).toBe(true);
    await expect(lstat(target)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a read-only config.yml (even as root, who could rename over it) and leaves it as it was', async () => {
    const { ctx, file } = await withConfig('a: 1\n');
    await chmod(file, 0o444);
    await expect(setRecursionBlock(ctx, '1ms')).rejects.toMatchObject({
      code: 'io',
      message: `${file} is read-only; Cluster Lab leaves it as it is.`,
      hint: expect.stringContaining('chmod u+w'),
    });
    expect(await readFile(file, 'utf8')).toBe('a: 1\n');
    expect((await lstat(file)).mode & 0o777).toBe(0o444);
    expect(await readdir(path.dirname(file))).toEqual(['config.yml']);
    // Reading it is fine.
    expect(await telepresenceState(ctx)).toMatchObject({ problem: null, exists: true });
  });
});

describe("the traffic manager's namespace", () => {
  it("is cluster.defaultManagerNamespace from the files the client reads, the user's last, else ambassador", async () => {
    const { ctx, home, file } = await tempHome();
    expect(await managerNamespace(ctx, '2.26.0')).toBe('ambassador');
    const system = path.join(home, 'sys', 'telepresence', 'config.yml');
    await mkdir(path.dirname(system), { recursive: true });
    await writeFile(system, 'cluster:\n  defaultManagerNamespace: team\n');
    expect(await managerNamespace(ctx, '2.26.0')).toBe('team');
    // From 2.27 the client reads /etc/telepresence instead, not $XDG_CONFIG_DIRS.
    expect(await managerNamespace(ctx, '2.27.0')).toBe('ambassador');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'cluster:\n  defaultManagerNamespace: mine\n');
    expect(await managerNamespace(ctx, '2.26.0')).toBe('mine');
    await writeFile(file, 'cluster:\n  defaultManagerNamespace: Not_A_Name\n');
    await expect(managerNamespace(ctx, '2.32.1')).rejects.toMatchObject({
      code: 'invalid_input',
      message: `cluster.defaultManagerNamespace "Not_A_Name" in ${file} is not a Kubernetes namespace name.`,
    });
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
      routeController: { available: null },
      system: { paths: [], path: null, recursionBlockDuration: null },
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
      expect(state).toMatchObject({ recursionBlockHonoured: honoured, routeController: { available: routeController } });
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

  it('reads the system-wide files the installed client reads: $XDG_CONFIG_DIRS up to 2.26 on every OS, one folder per OS from 2.27', () => {
    expect(systemConfigPaths({ env: { XDG_CONFIG_DIRS: '/a::/b' }, platform: 'linux' }, '2.26.1')).toEqual([
      '/a/telepresence/config.yml',
      '/b/telepresence/config.yml',
    ]);
    expect(systemConfigPaths({ env: {}, platform: 'linux' }, '2.21.0')).toEqual(['/etc/xdg/telepresence/config.yml']);
    // macOS too reads $XDG_CONFIG_DIRS (default /etc/xdg) before 2.27; Windows splits it at ';'.
    expect(systemConfigPaths({ env: { XDG_CONFIG_DIRS: '/a' }, platform: 'darwin' }, '2.26.0')).toEqual(['/a/telepresence/config.yml']);
    expect(systemConfigPaths({ env: {}, platform: 'darwin' }, '2.21.3')).toEqual(['/etc/xdg/telepresence/config.yml']);
    expect(systemConfigPaths({ env: { XDG_CONFIG_DIRS: 'C:\\x;D:\\y' }, platform: 'win32' }, '2.26.0')).toEqual([
      'C:\\x\\telepresence\\config.yml',
      'D:\\y\\telepresence\\config.yml',
    ]);
    for (const version of ['2.27.0', '2.32.1']) {
      expect(systemConfigPaths({ env: { XDG_CONFIG_DIRS: '/a' }, platform: 'linux' }, version)).toEqual(['/etc/telepresence/config.yml']);
      expect(systemConfigPaths({ env: {}, platform: 'darwin' }, version)).toEqual(['/Library/Application Support/telepresence/config.yml']);
      expect(systemConfigPaths({ env: {}, platform: 'win32' }, version)).toEqual(['C:\\ProgramData\\Telepresence\\config.yml']);
    }
    // No client, nothing that reads them.
    expect(systemConfigPaths({ env: {}, platform: 'linux' }, null)).toEqual([]);
  });

  it('takes the system value from the last file that sets it, skipping broken and silent ones', async () => {
    const { ctx: bare, home } = await tempHome();
    const ctx = await withClient(bare, home, '2.26.2');
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
    const all = [...dirs, path.join(home, 'none'), unreadable];
    const state = await telepresenceState({ ...ctx, env: { ...ctx.env, XDG_CONFIG_DIRS: all.join(':') } });
    expect(state.system).toEqual({
      paths: all.map((d) => path.join(d, 'telepresence', 'config.yml')),
      path: files[1],
      recursionBlockDuration: '3s',
    });
    expect((await telepresenceState({ ...ctx, env: { ...ctx.env, XDG_CONFIG_DIRS: dirs[3] } })).system).toEqual({
      paths: [files[3]],
      path: null,
      recursionBlockDuration: null,
    });
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
      message: `${file} is a folder, not a plain file: Cluster Lab neither opens nor replaces it.`,
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
