import { expect, it } from 'vitest';
import { linkParts } from './RichText';

it('finds the https addresses of an install hint, leaving the sentence punctuation outside', () => {
  expect(linkParts('Install VirtualBox from https://www.virtualbox.org/wiki/Downloads; VBoxManage comes with it.')).toEqual([
    { link: false, text: 'Install VirtualBox from ' },
    { link: true, text: 'https://www.virtualbox.org/wiki/Downloads' },
    { link: false, text: '; VBoxManage comes with it.' },
  ]);
  expect(linkParts('Install kubectl from https://kubernetes.io/docs/tasks/tools/ (or your package manager).')[1]).toEqual({
    link: true,
    text: 'https://kubernetes.io/docs/tasks/tools/',
  });
  // Only https: a plain http or file address stays text.
  expect(linkParts('see http://example.com and file:///etc/passwd')).toEqual([
    { link: false, text: 'see http://example.com and file:///etc/passwd' },
  ]);
});
