import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runTool } from '../electron/services/process';
import { isErrorLine, lineNode, lockedMachine, machineReadableError, machineStates, parseMachineReadable, unescapeField } from './vagrantOutput';

// Real output of Debian's Vagrant 2.3.4, copied from the project's reference material so the test stands alone.
const reference = (name: string) => readFileSync(new URL(`../fixtures/reference/vagrant-2.3.4/${name}`, import.meta.url), 'utf8');

describe('vagrant status --machine-readable', () => {
  it('reads every machine of the reference output with its provider', () => {
    const states = machineStates(parseMachineReadable(reference('status-machine-readable-not-created.txt')));
    expect(states.map((s) => [s.name, s.state, s.short, s.provider])).toEqual([
      ['server', 'not_created', 'not created', 'virtualbox'],
      ['agent1', 'not_created', 'not created', 'virtualbox'],
      ['agent2', 'not_created', 'not created', 'virtualbox'],
    ]);
    expect(states[0]!.long).toContain('If a machine is not created, only the\ndefault provider');
  });

  it('shows when Vagrant fell back to another provider', () => {
    const states = machineStates(parseMachineReadable(reference('status-machine-readable-no-virtualbox.txt')));
    expect(states.every((s) => s.provider === 'libvirt')).toBe(true);
  });

  it('keeps states it has no name for, and reads error-exit records', () => {
    const records = parseMachineReadable(
      '1,server,state,gurumeditation\n1,agent1,state,some_new_state\n1,,error-exit,Vagrant::Errors::VBoxManageError,There was an error%!(VAGRANT_COMMA) sorry\\nsecond line\n',
    );
    expect(machineStates(records).map((s) => s.state)).toEqual(['gurumeditation', 'some_new_state']);
    expect(machineReadableError(records)).toEqual({ kind: 'Vagrant::Errors::VBoxManageError', message: 'There was an error, sorry\nsecond line' });
  });

  it('unescapes commas and line breaks', () => {
    expect(unescapeField('a%!(VAGRANT_COMMA) b\\nc')).toBe('a, b\nc');
  });

  it('leaves the backslashes Vagrant does not escape: a Windows path comes back whole', () => {
    expect(unescapeField('C:\\temp\\lab')).toBe('C:\\temp\\lab');
    expect(unescapeField('a\\\\b')).toBe('a\\\\b');
    expect(unescapeField('line\\r\\n')).toBe('line\r\n');
  });

  it('reads the one ambiguous spelling as a line break: the real Vagrant prints `C:\\new` and `C:<LF>ew` alike', async () => {
    // MachineReadable#machine of the vagrant installed here (Debian installs it as a gem plain ruby can
    // require), given the path and the two-line text.
    const script =
      'require "vagrant"; ui = Vagrant::UI::MachineReadable.new; ["C:\\\\new", "C:\\new"].each { |d| ui.machine("x", d, target: "server") }';
    const run = await runTool('ruby', ['-e', script], { env: { ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1' }, timeoutMs: 60_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    const printed = run.stdout.trim().split('\n');
    expect(printed).toHaveLength(2);
    expect(printed[0]!.replace(/^\d+,/, '')).toBe('server,x,C:\\new');
    expect(printed[1]!.replace(/^\d+,/, '')).toBe(printed[0]!.replace(/^\d+,/, ''));
    expect(parseMachineReadable(printed[0]!)[0]!.data).toEqual(['C:\new']);
  }, 60_000);
});

describe('human lines', () => {
  const machines = new Set(['server', 'agent1']);
  it('tags the machine a line speaks for', () => {
    expect(lineNode('==> server: Booting VM...', machines)).toBe('server');
    expect(lineNode('    agent1: SSH address: 127.0.0.1:2200', machines)).toBe('agent1');
    expect(lineNode('\x1b[1m==> agent1: Machine booted and ready!\x1b[0m', machines)).toBe('agent1');
    expect(lineNode('1796113919,agent1,state,running', machines)).toBe('agent1');
    expect(lineNode('    Warning: Connection reset. Retrying...', machines)).toBeNull();
    expect(lineNode('Bringing machine server up', machines)).toBeNull();
  });

  it('finds error lines', () => {
    expect(isErrorLine('The SSH command responded with a non-zero exit status. Vagrant')).toBe(true);
    expect(isErrorLine('    server: curl: (6) Could not resolve host: get.k3s.io')).toBe(true);
    expect(isErrorLine('==> server: Machine booted and ready!')).toBe(false);
    expect(isErrorLine('Finished with 0 errors')).toBe(false);
  });

  it('recognises the machine-locked refusal and names the machine', () => {
    const text = `An action 'up' was attempted on the machine 'server',
but another process is already executing an action on the machine.
Vagrant locks each machine for access by only one process at a time.`;
    expect(lockedMachine(text)).toEqual({ machine: 'server' });
    expect(lockedMachine('==> server: Booting VM...')).toBeNull();
  });
});
