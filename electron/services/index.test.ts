import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { callNames } from '../../shared/contract';
import { createContext } from './context';
import { dispatch } from './dispatch';
import { createServices } from '.';
import { tempDirs } from '../../fixtures/tmp';

const tempDir = tempDirs('services');

describe('the service layer', () => {
  it('has a handler for every contract call', () => {
    const { handlers } = createServices(createContext({ env: { PATH: '' } }));
    expect(Object.keys(handlers).sort()).toEqual([...callNames].sort());
  });

  it('reads a typed lab folder the same way in every call: ~ is home, a relative path is refused naming the field', async () => {
    const home = await tempDir('cluster-lab-services-');
    const { handlers } = createServices(createContext({ env: { PATH: '' }, homeDir: home }));
    for (const [name, args] of [
      ['lab.open', { dir: 'labs/demo' }],
      ['lab.status', { dir: 'labs/demo' }],
      ['job.start', { dir: 'labs/demo', kind: 'up' }],
      ['job.attach', { dir: 'labs/demo' }],
      ['kubeconfig.merge', { dir: 'labs/demo', setCurrent: false }],
    ] as const) {
      const envelope = await dispatch(handlers, name, args);
      expect(envelope, name).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'dir' }] } });
    }
    const opened = await dispatch(handlers, 'lab.open', { dir: '~/labs/demo' });
    expect(opened).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining(path.join(home, 'labs/demo')) } });
    // The preflight goes on without a half-typed folder.
    expect(await dispatch(handlers, 'doctor.run', { dir: 'labs/demo' })).toMatchObject({ ok: true });
  });
});
