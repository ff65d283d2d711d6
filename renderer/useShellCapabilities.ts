/**
 * What this shell can do besides the services: pick a folder, show one in the file manager. The
 * desktop app can; browser mode cannot (its page may not run on the computer with the files). Asked
 * once per page.
 */
import { useEffect, useState } from 'react';
import type { CallResult } from '../shared/contract';
import { api } from './api';

type ShellCapabilities = CallResult<'shell.capabilities'>;
const none: ShellCapabilities = { pickFolder: false, openFolder: false };
let asked: Promise<ShellCapabilities> | null = null;

export function useShellCapabilities(): ShellCapabilities {
  const [capabilities, setCapabilities] = useState(none);
  useEffect(() => {
    asked ??= api.invoke('shell.capabilities', {}).then((envelope) => (envelope.ok ? envelope.value : none));
    let live = true;
    void asked.then((value) => live && setCapabilities(value));
    return () => {
      live = false;
    };
  }, []);
  return capabilities;
}
