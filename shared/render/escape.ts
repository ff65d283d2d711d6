/**
 * The only ways a value reaches generated Ruby or shell. The schema already refuses what has no
 * business in a lab, but these quote everything anyway, so a schema slip can not become code.
 *
 * Control characters are refused outright rather than quoted: Ruby stops reading a source file
 * at NUL, ^D and ^Z, and a line break could end a heredoc early.
 */

// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f]/;

function refuseControlChars(value: string, where: string): void {
  if (controlChars.test(value)) {
    throw new Error(`Refusing to put a value with control characters into ${where}: ${JSON.stringify(value)}`);
  }
}

/** A Ruby single-quoted string literal: no interpolation; only `\\` and `\'` mean anything inside. */
export function rubyString(value: string): string {
  refuseControlChars(value, 'a Ruby string');
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** A POSIX shell word in single quotes, where nothing is special but the quote itself. */
export function shellQuote(value: string): string {
  refuseControlChars(value, 'a shell word');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `NAME='value'`, for the variables a provision script starts with. */
export function shellAssign(name: string, value: string, options: { exported?: boolean } = {}): string {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`Not a shell variable name: ${name}`);
  return `${options.exported ? 'export ' : ''}${name}=${shellQuote(value)}`;
}

/**
 * A Ruby squiggly heredoc whose body Ruby takes literally (`<<~'TAG'`: no interpolation, no
 * escapes). The one way to break out of it is a line that is just the tag, so such a line is refused.
 */
export function rubyHeredoc(tag: string, lines: readonly string[], indent: string, restOfLine = ''): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(tag)) throw new Error(`Not a heredoc tag: ${tag}`);
  for (const line of lines) {
    refuseControlChars(line, 'a Ruby heredoc');
    if (line.trim() === tag) throw new Error(`A heredoc line may not be its tag ${tag}.`);
  }
  const body = lines.map((line) => (line ? `${indent}  ${line}` : '')).join('\n');
  return `<<~'${tag}'${restOfLine}\n${body}\n${indent}${tag}`;
}

/** A shell here-document taken literally (`<<'TAG'`), refusing a line that would end it early. */
export function shellHeredoc(command: string, tag: string, lines: readonly string[]): string[] {
  if (!/^[A-Z][A-Z0-9_]*$/.test(tag)) throw new Error(`Not a heredoc tag: ${tag}`);
  for (const line of lines) {
    refuseControlChars(line, 'a shell heredoc');
    if (line === tag) throw new Error(`A heredoc line may not be its tag ${tag}.`);
  }
  return [`${command} <<'${tag}'`, ...lines, tag];
}
