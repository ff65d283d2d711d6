import { describe, expect, it } from 'vitest';
import { codeSpans } from './codeSpans';

describe('codeSpans', () => {
  it('splits a hint into text and code at each pair of backticks', () => {
    expect(codeSpans('Run `cluster-lab render --dir DIR`, then `vagrant up`.')).toEqual([
      { code: false, text: 'Run ' },
      { code: true, text: 'cluster-lab render --dir DIR' },
      { code: false, text: ', then ' },
      { code: true, text: 'vagrant up' },
      { code: false, text: '.' },
    ]);
  });

  it('leaves text without backticks, a lone backtick and an empty pair as they are', () => {
    expect(codeSpans('plain')).toEqual([{ code: false, text: 'plain' }]);
    expect(codeSpans('a ` b')).toEqual([{ code: false, text: 'a ` b' }]);
    expect(codeSpans('a `` b')).toEqual([{ code: false, text: 'a `` b' }]);
    expect(codeSpans('')).toEqual([]);
  });

  it('does not pair backticks across lines', () => {
    expect(codeSpans('a `b\nc` d')).toEqual([{ code: false, text: 'a `b\nc` d' }]);
  });
});
