/**
 * Browser mode: the moment the page loses its host (stopped, or started again with a new token), a
 * banner says so with a Reload, instead of a running job's clock counting on over a frozen log.
 */
import { useEffect, useState } from 'react';
import { lostConnection, watchConnectionLost } from '../api';
import { RichText } from './RichText';

export function ConnectionLost() {
  const [lost, setLost] = useState(false);
  useEffect(() => watchConnectionLost(setLost), []);
  if (!lost) return null;
  return (
    <div className="banner error connection-lost" role="alert">
      <strong>{lostConnection.message}</strong> What this page shows may be out of date. <RichText text={lostConnection.hint ?? ''} />{' '}
      <button type="button" onClick={() => window.location.reload()}>
        Reload
      </button>
    </div>
  );
}
