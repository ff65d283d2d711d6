/**
 * The wizard's saved state: what a page sends is held to the bounded schema before anything is
 * written, and what is read back may be anything (a hand edit, a newer app, a torn file, a link):
 * the wizard gets the defaults for what does not fit and never an exception from the parse.
 */
import { lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../fixtures/tmp';
import { defaultLabConfig, labSchema, type LabConfig } from '../../shared/lab/schema';
import { seedLab } from '../../shared/render/testing';
import { defaultUiState, labDraftSchema, readUiState, toSaved, type UiState } from '../../shared/uiState';
import { createContext } from './context';
import { dispatch } from './dispatch';
import { createServices } from './index';
import { uiStateFile } from './uiState';

const tempDir = tempDirs('ui-state');

async function setup() {
  const home = await tempDir('home-');
  const ctx = createContext({ homeDir: home, env: { XDG_CONFIG_HOME: path.join(home, 'config') }, platform: 'linux' });
  const services = createServices(ctx);
  return { ctx, services, file: uiStateFile(ctx), call: (name: string, args: unknown) => dispatch(services.handlers, name, args) };
}

const edited = (): UiState => {
  const state = defaultUiState();
  state.config.name = 'lab-two';
  state.config.network.gateway = '192.168.1.1';
  state.config.vm.memoryMb = Number.NaN; // the Lab step's memory field holds no number yet
  state.dir = '/home/you/ClusterLab/lab-two';
  state.opened = '/home/you/ClusterLab/lab-one';
  state.screen = 'run';
  state.savedAt = 1_800_000_000_000;
  return state;
};

describe('ui.state.save and ui.state.get', () => {
  it('keeps the draft, the folders and the screen in the app data folder, private, and tells every page', async () => {
    const { ctx, file, call } = await setup();
    const seen: unknown[] = [];
    ctx.events.on('ui.state', (payload) => seen.push(payload));
    const saved = toSaved(edited());
    expect(await call('ui.state.save', { state: saved, client: 'tab-1' })).toEqual({ ok: true, value: { savedAt: saved.savedAt } });
    expect(file).toBe(path.join(ctx.env.XDG_CONFIG_HOME!, 'Cluster Lab', 'ui-state.json'));
    expect((await lstat(file)).mode & 0o777).toBe(0o600);
    expect(seen).toEqual([{ state: saved, client: 'tab-1' }]);
    const got = await call('ui.state.get', {});
    expect(got).toEqual({ ok: true, value: { state: saved } });
    const back = readUiState((got as { value: { state: unknown } }).value.state)!;
    expect(back.config.vm.memoryMb).toBeNaN();
    expect({ ...back, config: { ...back.config, vm: { ...back.config.vm, memoryMb: 0 } } }).toEqual({
      ...edited(),
      config: { ...edited().config, vm: { ...edited().config.vm, memoryMb: 0 } },
    });
  });

  it('keeps the later edit whatever order the saves arrive in: an older one, sent first and slower, writes nothing', async () => {
    const { ctx, call } = await setup();
    const seen: unknown[] = [];
    ctx.events.on('ui.state', (payload) => seen.push(payload));
    const at = Date.now() - 10_000;
    const older = toSaved({ ...edited(), savedAt: at });
    const newer = toSaved({ ...edited(), config: { ...edited().config, name: 'gamma' }, savedAt: at + 400 });
    // Both in flight at once, the newer first: without an order they would race their renames.
    const answers = await Promise.all([
      call('ui.state.save', { state: newer, client: 'tab-1' }),
      call('ui.state.save', { state: older, client: 'tab-1' }),
    ]);
    expect(answers).toEqual([
      { ok: true, value: { savedAt: newer.savedAt } },
      { ok: true, value: { savedAt: newer.savedAt } },
    ]);
    expect(await call('ui.state.get', {})).toEqual({ ok: true, value: { state: newer } });
    expect(seen).toEqual([{ state: newer, client: 'tab-1' }]);
    // A later one still replaces it.
    const latest = toSaved({ ...edited(), config: { ...edited().config, name: 'delta' }, savedAt: at + 800 });
    await call('ui.state.save', { state: latest, client: 'tab-2' });
    expect(await call('ui.state.get', {})).toEqual({ ok: true, value: { state: latest } });
  });

  it('is not held back by a saved time still to come (a clock set back since, a hand edit)', async () => {
    const { file, call } = await setup();
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(toSaved({ ...edited(), savedAt: Date.now() + 3_600_000 })));
    const now = toSaved({ ...edited(), config: { ...edited().config, name: 'gamma' }, savedAt: Date.now() });
    expect(await call('ui.state.save', { state: now, client: 'tab-1' })).toEqual({ ok: true, value: { savedAt: now.savedAt } });
    expect(await call('ui.state.get', {})).toEqual({ ok: true, value: { state: now } });
  });

  it('takes a draft opened from any lab folder: every field lab.json may hold fits the draft', async () => {
    const { call } = await setup();
    const lab = seedLab();
    const pinned: LabConfig = { ...lab, k3s: { source: 'channel', value: 'stable', version: 'v1.33.5+k3s1' } };
    for (const config of [lab, pinned]) {
      const state = toSaved({ ...defaultUiState(), config, opened: '/labs/a', screen: 'run', savedAt: 1 });
      expect(await call('ui.state.save', { state, client: 'tab-1' })).toMatchObject({ ok: true });
      expect(readUiState(((await call('ui.state.get', {})) as { value: { state: unknown } }).value.state)!.config).toEqual(config);
    }
  });

  it('names every field the lab schema has, at every level (a field added there must be added to the draft)', () => {
    type Shape = { shape?: Record<string, unknown>; element?: unknown; options?: unknown[]; unwrap?: () => unknown };
    const fields = (schema: unknown, at = ''): string[] => {
      const s = schema as Shape;
      if (s.options) return [...new Set(s.options.flatMap((option) => fields(option, at)))].sort();
      if (s.element) return fields(s.element, `${at}[]`);
      if (s.shape) return Object.entries(s.shape).flatMap(([key, inner]) => [`${at}${key}`, ...fields(inner, `${at}${key}.`)]);
      if (s.unwrap) return fields(s.unwrap(), at);
      return [];
    };
    expect(fields(labDraftSchema).sort()).toEqual(fields(labSchema).sort());
  });

  it('has nothing before the first save', async () => {
    const { call } = await setup();
    expect(await call('ui.state.get', {})).toEqual({ ok: true, value: { state: null } });
  });

  it('refuses a state past its bounds or with fields it does not know, writing nothing', async () => {
    const { file, call } = await setup();
    const saved = toSaved(edited());
    const tooMany = { ...saved, draft: { ...saved.draft, agents: Array.from({ length: 10 }, (_, i) => ({ name: `a${i}`, ip: '' })) } };
    const longName = { ...saved, draft: { ...saved.draft, name: 'x'.repeat(101) } };
    const extra = { ...saved, script: 'alert(1)' };
    const badScreen = { ...saved, screen: 'settings' };
    for (const state of [tooMany, longName, extra, badScreen, { ...saved, dir: 'x'.repeat(5000) }]) {
      const result = await call('ui.state.save', { state, client: 'tab-1' });
      expect(result.ok, JSON.stringify(state).slice(0, 80)).toBe(false);
    }
    expect(await call('ui.state.save', { state: saved, client: '' })).toMatchObject({ ok: false });
    await expect(lstat(file)).rejects.toThrow(/ENOENT/);
  });

  it('reads garbage as the defaults, part by part, never throwing', async () => {
    const { file, call } = await setup();
    await mkdir(path.dirname(file), { recursive: true });
    const defaults = defaultLabConfig();
    for (const text of ['', '{', 'null', '[1,2]', '"text"', '{"draft": 42}']) {
      await writeFile(file, text);
      const got = await call('ui.state.get', {});
      expect(got.ok, text).toBe(true);
      const state = (got as { value: { state: unknown } }).value.state;
      if (state !== null) expect(readUiState(state)!.config).toEqual(defaults);
    }
    // One broken part costs only that part: the name and the folders survive an agents list that is not one.
    const partial = { ...toSaved(edited()), draft: { ...toSaved(edited()).draft, agents: 'all of them', vm: { memoryMb: -1 } }, screen: 'nowhere' };
    await writeFile(file, JSON.stringify(partial));
    const state = readUiState(((await call('ui.state.get', {})) as { value: { state: unknown } }).value.state)!;
    expect(state.config.name).toBe('lab-two');
    expect(state.config.network.gateway).toBe('192.168.1.1');
    expect(state.config.agents).toEqual(defaults.agents);
    expect(state.config.vm).toEqual(defaults.vm);
    expect(state.screen).toBe('check');
    expect(state.opened).toBe('/home/you/ClusterLab/lab-one');
  });

  it('never follows a link nor reads a huge file in its place', async () => {
    const { file, call } = await setup();
    await mkdir(path.dirname(file), { recursive: true });
    const elsewhere = path.join(path.dirname(file), 'elsewhere.json');
    await writeFile(elsewhere, JSON.stringify(toSaved(edited())));
    await symlink(elsewhere, file);
    expect(await call('ui.state.get', {})).toMatchObject({ ok: false, error: { message: expect.stringContaining(file) } });
    // Saving replaces the link itself, never the file it points at.
    const saved = toSaved({ ...edited(), screen: 'lab' });
    expect((await call('ui.state.save', { state: saved, client: 'tab-2' })).ok).toBe(true);
    expect((await lstat(file)).isFile()).toBe(true);
    expect(JSON.parse(await readFile(elsewhere, 'utf8')).screen).toBe('run');
    await writeFile(file, ' '.repeat(70 * 1024));
    expect(await call('ui.state.get', {})).toMatchObject({ ok: false, error: { message: expect.stringContaining('larger than') } });
  });
});
