import { describe, expect, it } from 'vitest';
import { runCli } from './runCli';
import { jsonText, terminalText } from './terminalText';

describe('terminalText', () => {
  it('keeps text, line breaks, tabs and colours as they are', () => {
    const text = 'server: \x1b[0;32mok\x1b[0m\tdone\n';
    expect(terminalText(text)).toBe(text);
  });

  it('shows every other control as \\xNN, so its sequence prints as text', () => {
    expect(terminalText('a\x1b]52;c;cm0gLXJm\x07b')).toBe('a\\x1b]52;c;cm0gLXJm\\x07b');
    expect(terminalText('shown\rhidden')).toBe('shown\\x0dhidden');
    expect(terminalText('\x1b[2J\x1b[1A')).toBe('\\x1b[2J\\x1b[1A');
    expect(terminalText('\x9b31m')).toBe('\\x9b31m');
  });
});

describe('jsonText', () => {
  it('escapes DEL and C1 without changing the JSON value', () => {
    const json = JSON.stringify({ name: 'x\x9b2J\x7f' });
    expect(jsonText(json)).not.toMatch(/[\x7f-\x9f]/);
    expect(JSON.parse(jsonText(json))).toEqual({ name: 'x\x9b2J\x7f' });
  });
});

describe('the CLI prints nothing a terminal acts on', () => {
  it('escapes a control sequence in what it echoes back (human output)', async () => {
    const { code, err } = await runCli(['\x1b]0;owned\x07']);
    expect(code).toBe(2);
    expect(err).not.toContain('\x1b');
    expect(err).toContain('\\x1b]0;owned\\x07');
  });

  it('escapes C1 characters in --json output, which JSON.stringify leaves raw', async () => {
    const { out } = await runCli(['\x9b2J', '--json']);
    expect(out).not.toMatch(/[\x7f-\x9f]/);
    expect(JSON.parse(out).error.message).toContain('\x9b2J');
  });
});
