/**
 * A small syntax highlighter for the files Cluster Lab writes: the Vagrantfile (Ruby, with shell
 * in its heredocs), YAML manifests and lab.json. It only splits text into classed tokens; React
 * renders them as text, so nothing a file contains is ever parsed as HTML.
 */
export type TokenKind = 'plain' | 'comment' | 'string' | 'keyword' | 'variable' | 'key' | 'number';
export interface Token {
  kind: TokenKind;
  text: string;
}
export type Language = 'ruby' | 'yaml' | 'json' | 'text';

export function languageFor(fileName: string): Language {
  if (fileName === 'Vagrantfile' || fileName.endsWith('.rb')) return 'ruby';
  if (/\.ya?ml$/.test(fileName)) return 'yaml';
  if (fileName.endsWith('.json')) return 'json';
  return 'text';
}

type Rule = [TokenKind, RegExp];

const quoted: Rule[] = [
  ['string', /'(?:\\.|[^'\\])*'?/y],
  ['string', /"(?:\\.|[^"\\])*"?/y],
];
const number: Rule = ['number', /\b\d+(?:\.\d+)*\b/y];

const rubyRules: Rule[] = [
  ['comment', /#.*/y],
  ['string', /<<~?'?[A-Z_]+'?/y],
  ...quoted,
  ['keyword', /\b(?:do|end|def|if|elsif|else|unless|true|false|nil|require|primary)\b/y],
  ['variable', /\b[A-Z][A-Z0-9_]+\b/y],
  ['key', /\b[a-z_]+:(?=\s)/y],
  number,
];

const shellRules: Rule[] = [
  ['comment', /(?<![^\s])#.*/y],
  ...quoted,
  ['variable', /\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\(/y],
  ['keyword', /\b(?:if|then|else|fi|for|in|do|done|while|export|set|exit|echo)\b/y],
  ['key', /\b[A-Z_][A-Z0-9_]*(?==)/y],
];

const yamlRules: Rule[] = [
  ['comment', /(?<![^\s])#.*/y],
  ['key', /(?<=^\s*(?:-\s+)?)(?:"[^"]*"|[^\s#'"-][^:#]*?)(?=:(?:\s|$))/y],
  ...quoted,
  ['keyword', /^---$|\b(?:true|false|null)\b/y],
  number,
];

const jsonRules: Rule[] = [['key', /"(?:\\.|[^"\\])*"(?=\s*:)/y], ...quoted, ['keyword', /\b(?:true|false|null)\b/y], number];

function tokenizeLine(line: string, rules: Rule[]): Token[] {
  const tokens: Token[] = [];
  const push = (kind: TokenKind, text: string) => {
    const last = tokens.at(-1);
    if (last && last.kind === kind && kind === 'plain') last.text += text;
    else tokens.push({ kind, text });
  };
  let at = 0;
  outer: while (at < line.length) {
    for (const [kind, pattern] of rules) {
      pattern.lastIndex = at;
      const match = pattern.exec(line);
      if (match && match[0].length > 0) {
        push(kind, match[0]);
        at += match[0].length;
        continue outer;
      }
    }
    push('plain', line[at]!);
    at++;
  }
  return tokens;
}

/** Tokens per line. In Ruby, a `<<~'TAG'` heredoc's body is shell and is highlighted as such. */
export function highlight(text: string, language: Language): Token[][] {
  const lines = text.split('\n');
  if (language === 'text') return lines.map((line) => (line ? [{ kind: 'plain', text: line }] : []));
  if (language === 'yaml') return lines.map((line) => tokenizeLine(line, yamlRules));
  if (language === 'json') return lines.map((line) => tokenizeLine(line, jsonRules));
  const result: Token[][] = [];
  let heredocTag: string | null = null;
  for (const line of lines) {
    if (heredocTag !== null) {
      if (line.trim() === heredocTag) {
        heredocTag = null;
        result.push([{ kind: 'string', text: line }]);
      } else result.push(tokenizeLine(line, shellRules));
      continue;
    }
    const opener = /<<~?'?([A-Z_]+)'?/.exec(line);
    if (opener && !line.trimStart().startsWith('#')) heredocTag = opener[1]!;
    result.push(tokenizeLine(line, rubyRules));
  }
  return result;
}
