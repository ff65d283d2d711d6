/** One host NIC as a choice: address, kind, speed, the default-route badge and the bridge name with its source. */
import type { Nic } from '../../shared/nics';
import './NicCard.css';

const typeLabels: Record<Nic['type'], string> = {
  wired: 'Wired',
  wireless: 'Wireless',
  virtual: 'Virtual',
  loopback: 'Loopback',
  unknown: 'Network',
};

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function speedText(mbps: number | null): string | null {
  if (!mbps) return null;
  return mbps >= 1000 ? `${mbps / 1000} Gbit/s` : `${mbps} Mbit/s`;
}

export function NicCard({ nic, checked, onChoose, busy }: { nic: Nic; checked: boolean; onChoose: (nic: Nic) => void; busy?: boolean }) {
  const excluded = nic.excluded !== false;
  const details = [typeLabels[nic.type], speedText(nic.speedMbps), nic.mac].filter(Boolean).join(' · ');
  return (
    <label className={`nic-card card${checked ? ' checked' : ''}${excluded ? ' excluded' : ''}`} data-nic={nic.name}>
      <input type="radio" name="nic" value={nic.name} checked={checked} disabled={excluded} onChange={() => onChoose(nic)} />
      <span className="nic-main">
        <span className="nic-title">
          <span className="nic-name mono">{nic.name}</span>
          {nic.default && <span className="badge info">Default route</span>}
          {!nic.up && <span className="badge fail">Down</span>}
          {busy && <span className="muted small">planning…</span>}
        </span>
        <span className="nic-address mono">{nic.ipv4 ? `${nic.ipv4}/${nic.prefixLength ?? '?'}` : 'no IPv4 address'}</span>
        <span className="nic-details muted small">{details}</span>
        {excluded ? (
          <span className="nic-reason small">{capitalize(nic.excluded as string)}</span>
        ) : (
          <span className="nic-bridge small">
            <span className="muted">Bridge</span> <code>{nic.bridgeName}</code>
            {nic.bridgeNameSource === 'virtualbox' ? (
              <span className="badge ok">reported by VirtualBox</span>
            ) : (
              <span className="badge warn" title="VirtualBox is not installed, so this is the name it most likely uses">
                best guess
              </span>
            )}
          </span>
        )}
      </span>
    </label>
  );
}
