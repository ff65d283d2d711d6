/** The `cluster-lab` command that does what a button does, to copy into a terminal or a script. */
import { Snippet } from './CopyButton';
import './CliCommands.css';

/** POSIX shell quoting, only where a word needs it (a folder with spaces or quotes). */
export const shellWord = (word: string): string => (/^[\w@%+=:,./~-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

export const labCommand = (args: string, dir: string): string => `cluster-lab ${args} --dir ${shellWord(dir)}`;

const runActions: { action: string; args: string }[] = [
  { action: 'Up', args: 'up' },
  { action: 'Down', args: 'down' },
  { action: 'Provision', args: 'provision' },
  { action: 'Destroy', args: 'destroy' },
  { action: 'Install route controller', args: 'telepresence --route-controller' },
  { action: 'Check lab', args: 'check' },
  { action: 'Refresh status', args: 'status' },
];

/** The Run step's actions as commands: folded, so the job stays in view. */
export function RunCommands({ dir }: { dir: string }) {
  return (
    <details className="cli-commands">
      <summary>The same from a terminal</summary>
      <dl>
        {runActions.map(({ action, args }) => (
          <div key={action} className="cli-command">
            <dt>{action}</dt>
            <dd>
              <Snippet text={labCommand(args, dir)} label={`${action} command`} />
            </dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
