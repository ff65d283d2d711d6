/** The hosts-file line that lets this computer reach the server by name, and whether the file already has it. */
import { hostsLine } from '../../shared/hosts';
import { isHostname } from '../../shared/lab/schema';
import { isIPv4 } from '../../shared/lab/net';
import { useCall } from '../useCall';
import { Snippet } from './CopyButton';
import './HostsLine.css';

export function HostsLine({ name, ip, valid: fieldsValid }: { name: string; ip: string; valid: boolean }) {
  const valid = fieldsValid && isHostname(name) && isIPv4(ip);
  const check = useCall('hosts.check', valid ? { name, ip } : null);
  if (!valid) return <p className="muted">The line appears once the server has a valid name and IP.</p>;
  const line = hostsLine(ip, name);
  // A check of the previous name or address is not shown while the new one is read.
  const value = check.value?.line === line ? check.value : null;
  return (
    <div className="hosts-line" role="group" aria-label="Hosts file line">
      <Snippet label="hosts line" text={line} />
      {value && value.state === 'present' && <span className="badge ok">Already in {value.path}</span>}
      {value && value.state === 'missing' && (
        <span className="hosts-status">
          <span className="badge warn">Not in {value.path} yet</span>{' '}
          <span className="muted small">
            Add it with an editor run as administrator ({value.path.startsWith('/') ? 'sudo' : 'Run as administrator'}).
          </span>
          {value.readError && <span className="muted small"> The file could not be read: {value.readError}</span>}
        </span>
      )}
      {value && value.state === 'other-address' && (
        <span className="hosts-status">
          <span className="badge fail">
            {value.path} maps {name} to {value.otherAddresses.join(', ')}
          </span>{' '}
          <span className="muted small">Change that line to the one above, or the name will reach the wrong machine.</span>
        </span>
      )}
      {check.error && <span className="muted small">{check.error.message}</span>}
    </div>
  );
}
