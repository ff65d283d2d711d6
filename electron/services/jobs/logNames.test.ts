import { describe, expect, it } from 'vitest';
import { jobId, logFileName, parseJobId, parseLogFileName } from './logNames';

const startedAt = Date.parse('2026-12-06T05:05:15.123Z');
const id = jobId('up', startedAt, 'a1b2c3');

describe('job log names', () => {
  it('reads back what the runner names, and nothing else', () => {
    expect(logFileName(id, startedAt)).toBe(`20261206T050515Z-${id}.log`);
    expect(parseLogFileName(logFileName(id, startedAt))).toEqual({ id, kind: 'up', startedAt });
    expect(parseJobId(jobId('route-controller', startedAt, '000000'))).toMatchObject({ kind: 'route-controller', startedAt });
    for (const name of [
      `20261206T050516Z-${id}.log`, // the stamp and the id tell different starts
      `20261206T050515Z-${id}.log.bak`,
      `../20261206T050515Z-${id}.log`,
      `20261206T050515Z-${id.replace('a1b2c3', 'A1B2C3')}.log`,
      `20261206T050515Z-${id.replace('up', 'rm')}.log`,
      `20261206T050515Z-up--a1b2c3.log`,
      `20261206T050515Z-${id}\n.log`,
      '',
    ])
      expect(parseLogFileName(name), name).toBeNull();
    // Starts no Cluster Lab made: before 2001, past 9999, not a safe integer.
    for (const start of ['0', 'zzzzzzzzzzz', '1'.repeat(11)]) expect(parseJobId(`up-${start}-a1b2c3`), start).toBeNull();
  });
});
