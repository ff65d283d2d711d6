import { describe, expect, it } from 'vitest';
import { createContext } from './context';
import { dispatch } from './dispatch';
import { createServices } from '.';
import { tempDirs } from '../../fixtures/tmp';

const tempDir = tempDirs('diagnostics');

describe('diagnostics.collect', () => {
  it('gives the versions, the doctor report as JSON and says when there is no job to show', async () => {
    const home = await tempDir('cluster-lab-diagnostics-');
    const { handlers } = createServices(createContext({ env: { PATH: '' }, homeDir: home }));
    const envelope = await dispatch(handlers, 'diagnostics.collect', { dir: `${home}/lab` });
    if (!envelope.ok) throw new Error(envelope.error.message);
    const { text } = envelope.value as { text: string };
    expect(text).toMatch(/^Cluster Lab 0\.0\.0-test\nNode \d+\.\d+\.\d+, /);
    expect(text).toContain('  vagrant: not found');
    const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
    expect(JSON.parse(json)).toMatchObject({ tools: { vagrant: { found: false } }, checks: expect.any(Array) });
    expect(text).toContain(`Last job: none in ${home}/lab since the app started.`);
  });

  it('refuses a relative lab folder, naming the field', async () => {
    const { handlers } = createServices(createContext({ env: { PATH: '' } }));
    expect(await dispatch(handlers, 'diagnostics.collect', { dir: 'labs/x' })).toMatchObject({ ok: false, error: { issues: [{ path: 'dir' }] } });
  });
});
