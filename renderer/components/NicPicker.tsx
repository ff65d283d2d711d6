/** The NIC cards as one radio group: the pickable ones, and behind "show all" the others with their reasons. */
import { useId, useState } from 'react';
import { pickableNics, type Nic, type NicReport } from '../../shared/nics';
import { NicCard } from './NicCard';
import './NicPicker.css';

export function NicPicker({
  report,
  chosen,
  planning,
  onChoose,
}: {
  report: NicReport;
  chosen: string;
  planning: string | null;
  onChoose: (nic: Nic) => void;
}) {
  const [showAll, setShowAll] = useState(false);
  const toggleId = useId();
  const pickable = pickableNics(report);
  const hidden = report.nics.length - pickable.length;
  const shown = showAll ? report.nics : pickable;
  return (
    <div className="nic-picker">
      <div className="nic-grid" role="radiogroup" aria-label="Network interfaces">
        {shown.map((nic) => (
          <NicCard key={nic.name} nic={nic} checked={nic.name === chosen} busy={planning === nic.name} onChoose={onChoose} />
        ))}
        {shown.length === 0 && (
          <p className="muted">No interface can be bridged: connect this computer to your LAN by cable or Wi-Fi, then press Refresh.</p>
        )}
      </div>
      {hidden > 0 && (
        <div className="nic-toggle">
          <input id={toggleId} type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} />
          <label htmlFor={toggleId}>
            Show all interfaces <span className="muted">({hidden} that cannot be bridged, with the reason)</span>
          </label>
        </div>
      )}
    </div>
  );
}
