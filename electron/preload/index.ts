/**
 * The only bridge between the page and main: the contract's calls and events on `window.lab`.
 * ipcRenderer itself never crosses; unknown names are refused here before they reach main.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { channelFor, eventNames, isCallName, type EventName, type LabApi } from '../../shared/contract';

const api: LabApi = {
  invoke: (name, args) =>
    isCallName(name)
      ? ipcRenderer.invoke(channelFor(name), args)
      : Promise.resolve({ ok: false, error: { code: 'invalid_input', message: `Unknown call "${String(name)}".` } }),
  on: (name, listener) => {
    if (!eventNames.includes(name as EventName)) return () => {};
    const wrapped = (_event: unknown, payload: unknown) => listener(payload as never);
    ipcRenderer.on(channelFor(name), wrapped);
    return () => void ipcRenderer.removeListener(channelFor(name), wrapped);
  },
};

contextBridge.exposeInMainWorld('lab', api);
