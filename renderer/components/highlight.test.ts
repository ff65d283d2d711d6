import { describe, expect, it } from 'vitest';
import { renderVagrantfile } from '../../shared/render/vagrantfile';
import { renderRegistryManifest } from '../../shared/render/manifests';
import { seedLab } from '../../shared/render/testing';
import { highlight, languageFor, type Token } from './highlight';

const kinds = (tokens: Token[]) => tokens.filter((t) => t.kind !== 'plain').map((t) => `${t.kind}:${t.text}`);

describe('highlight', () => {
  it('never loses or adds a character', () => {
    for (const [name, text] of [
      ['Vagrantfile', renderVagrantfile(seedLab())],
      ['registry.yaml', renderRegistryManifest(seedLab())],
      ['lab.json', JSON.stringify(seedLab(), null, 2)],
      ['notes', 'a <b>tag</b> & "quotes"'],
    ] as const) {
      const lines = highlight(text, languageFor(name));
      expect(lines.map((tokens) => tokens.map((t) => t.text).join('')).join('\n')).toBe(text);
    }
  });

  it('colours Ruby, the shell inside its heredocs, YAML keys and JSON keys', () => {
    expect(kinds(highlight("BRIDGE = 'wlp5s0' # the NIC", 'ruby')[0]!)).toEqual(['variable:BRIDGE', "string:'wlp5s0'", 'comment:# the NIC']);
    const ruby = highlight("X = <<~'SHELL'\n  export K='v' # why\nSHELL", 'ruby');
    expect(kinds(ruby[1]!)).toEqual(['keyword:export', 'key:K', "string:'v'", 'comment:# why']);
    expect(kinds(highlight('  - name: registry', 'yaml')[0]!)).toEqual(['key:name']);
    expect(kinds(highlight('  "memoryMb": 4096,', 'json')[0]!)).toEqual(['key:"memoryMb"', 'number:4096']);
  });
});
