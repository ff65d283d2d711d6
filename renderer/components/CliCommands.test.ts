import { expect, it } from 'vitest';
import { labCommand, shellWord } from './CliCommands';

it('quotes a lab folder only when the shell would split or expand it', () => {
  expect(labCommand('up', '/home/ada/ClusterLab/lab-1')).toBe('cluster-lab up --dir /home/ada/ClusterLab/lab-1');
  expect(shellWord("/home/ada/My Labs/ada's lab")).toBe(`'/home/ada/My Labs/ada'\\''s lab'`);
  expect(shellWord('/tmp/$HOME;rm')).toBe(`'/tmp/$HOME;rm'`);
});
