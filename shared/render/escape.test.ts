/**
 * The quoting helpers against the real interpreters: what they produce, read back by Ruby and by
 * sh, is the value that went in, and what they cannot quote safely they refuse.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { rubyHeredoc, rubyString, shellAssign, shellHeredoc, shellQuote } from './escape';

const awkward = ["it's", 'back\\slash', "\\'", '#{`id`}', '$(id) `id` $HOME', '"double"', 'tab\u0020space', '~tilde~', 'ünïcode ✓', ''];

/** What Ruby makes of a Ruby expression. */
const ruby = (source: string) => execFileSync('ruby', ['-e', source], { encoding: 'utf8' });
/** What sh makes of a script. */
const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });

describe('rubyString', () => {
  it('quotes so that Ruby reads back exactly the value, interpolating nothing', () => {
    const read = ruby(`print [${awkward.map(rubyString).join(', ')}].join("\\0")`);
    expect(read.split('\0')).toEqual(awkward);
  });

  it('escapes only the backslash and the quote', () => {
    expect(rubyString('a\'b\\c"d')).toBe("'a\\'b\\\\c\"d'");
  });
});

describe('shellQuote and shellAssign', () => {
  it('quotes so that sh reads back exactly the value, expanding nothing', () => {
    const read = sh(`printf '%s\\0' ${awkward.map(shellQuote).join(' ')}`);
    expect(read.split('\0').slice(0, -1)).toEqual(awkward);
  });

  it('assigns and exports variables sh reads back', () => {
    const script = [
      shellAssign('LAB_NAME', "it's $HOME"),
      shellAssign('_K3S_TOKEN', 'a b', { exported: true }),
      'printf "%s|%s|" "$LAB_NAME" "$_K3S_TOKEN"',
      'sh -c \'printf "%s|%s" "$LAB_NAME" "$_K3S_TOKEN"\'',
    ];
    expect(sh(script.join('\n'))).toBe("it's $HOME|a b||a b");
    expect(shellAssign('A1', 'x')).toBe("A1='x'");
    expect(shellAssign('A1', 'x', { exported: false })).toBe("A1='x'");
  });

  it('refuses a name that is not a plain upper-case shell variable', () => {
    for (const name of ['lab', 'LAB-NAME', '1LAB', 'LAB NAME', 'X;rm', 'LAB$', 'aLAB', '']) {
      expect(() => shellAssign(name, 'x'), name).toThrow(`Not a shell variable name: ${name}`);
    }
  });
});

describe('control characters', () => {
  it('are refused everywhere, from NUL to the unit separator and DEL, naming where', () => {
    for (const c of ['\u0000', '\u0004', '\n', '\r', '\u001a', '\u001f', '\u007f']) {
      const value = `a${c}b`;
      expect(() => rubyString(value)).toThrow(`Refusing to put a value with control characters into a Ruby string: ${JSON.stringify(value)}`);
      expect(() => shellQuote(value)).toThrow(`into a shell word: ${JSON.stringify(value)}`);
      expect(() => rubyHeredoc('EOS', ['ok', value], '')).toThrow('into a Ruby heredoc');
      expect(() => shellHeredoc('cat', 'EOF', [value])).toThrow('into a shell heredoc');
    }
  });

  it('are only those: space, tilde and anything above DEL pass', () => {
    for (const value of [' ', '~', '\u0080', '\u00a0', 'é']) {
      expect(rubyString(value)).toBe(`'${value}'`);
      expect(shellQuote(value)).toBe(`'${value}'`);
    }
  });
});

describe('rubyHeredoc', () => {
  const lines = ['#{`id`} stays text', "it's \\n literal", '', '  indented', 'EOS is only a line on its own'];

  it('gives Ruby the lines literally, the indentation stripped, an empty line kept empty', () => {
    const doc = rubyHeredoc('EOS', lines, '    ', '.lines.size.to_s + "\\n" + __doc__');
    expect(doc.split('\n')).toEqual([
      '<<~\'EOS\'.lines.size.to_s + "\\n" + __doc__',
      '      #{`id`} stays text',
      "      it's \\n literal",
      '',
      '        indented',
      '      EOS is only a line on its own',
      '    EOS',
    ]);
    const read = ruby(`print(${rubyHeredoc('EOS', lines, '    ', ')')}`);
    expect(read).toBe(`${lines.join('\n')}\n`);
  });

  it('refuses a line that would end it early, even indented, and a tag that is not a plain upper-case word', () => {
    expect(() => rubyHeredoc('EOS', ['a', 'EOS'], '')).toThrow('A heredoc line may not be its tag EOS.');
    expect(() => rubyHeredoc('EOS', ['  EOS  '], '')).toThrow('A heredoc line may not be its tag EOS.');
    for (const tag of ['eos', 'E-S', "E'S", '1EOS', 'EOS\n', '']) expect(() => rubyHeredoc(tag, ['x'], ''), tag).toThrow(`Not a heredoc tag: ${tag}`);
    expect(rubyHeredoc('K3S_2', ['x'], '')).toBe("<<~'K3S_2'\n  x\nK3S_2");
  });
});

describe('shellHeredoc', () => {
  it('gives the command the lines literally', () => {
    const lines = ['$(id) and `id` stay text', "it's", ' EOF', 'EOF ', ''];
    const script = shellHeredoc('cat', 'EOF', lines);
    expect(script).toEqual(["cat <<'EOF'", ...lines, 'EOF']);
    expect(sh(script.join('\n'))).toBe(`${lines.join('\n')}\n`);
  });

  it('refuses the one line that would end it early, and a tag that is not a plain upper-case word', () => {
    expect(() => shellHeredoc('cat', 'EOF', ['a', 'EOF'])).toThrow('A heredoc line may not be its tag EOF.');
    for (const tag of ['eof', 'E F', "E'F", '9EOF', '']) expect(() => shellHeredoc('cat', tag, ['x']), tag).toThrow(`Not a heredoc tag: ${tag}`);
  });
});
