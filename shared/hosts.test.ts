import { describe, expect, it } from 'vitest';
import { hostsFilePath, hostsLine, hostsTextState } from './hosts';

const text = `127.0.0.1\tlocalhost
# 192.168.1.110 multi   (a comment does not count)
192.168.1.50  printer.lan printer
192.168.1.110 nas MULTI  # trailing comment
`;

describe('hosts file', () => {
  it('gives the line a person adds', () => {
    expect(hostsLine('192.168.1.110', 'multi')).toBe('192.168.1.110  multi');
  });

  it('finds the name on the right address, ignoring case and comments', () => {
    expect(hostsTextState(text, '192.168.1.110', 'multi')).toEqual({ state: 'present', otherAddresses: [] });
    expect(hostsTextState('# 192.168.1.110 multi\n', '192.168.1.110', 'multi').state).toBe('missing');
  });

  it('says when the name points somewhere else', () => {
    expect(hostsTextState(text, '192.168.1.120', 'printer')).toEqual({ state: 'other-address', otherAddresses: ['192.168.1.50'] });
  });

  it('reads CRLF files and knows where each platform keeps the file', () => {
    expect(hostsTextState('10.0.0.5 multi\r\n', '10.0.0.5', 'multi').state).toBe('present');
    expect(hostsFilePath('linux', undefined)).toBe('/etc/hosts');
    expect(hostsFilePath('win32', 'D:\\Windows')).toBe('D:\\Windows\\System32\\drivers\\etc\\hosts');
  });
});
