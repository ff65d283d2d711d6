/** The wizard's steps, in order, and the fields each one is answerable for. */
import { lazy, type ComponentType } from 'react';
import { LoadError } from '../components/ErrorBoundary';
import { CheckMachineStep } from './CheckMachine';

// Only the first screen is in the start-up bundle; later steps (the log view's xterm.js above all)
// load while the user reads it.
const later = <K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) =>
  lazy(() =>
    load().then(
      (m) => ({ default: m[name] }),
      (error: unknown) => {
        throw new LoadError(`The ${name.replace(/Step$/, '')} step`, error);
      },
    ),
  );
const NetworkStep = later(() => import('./Network'), 'NetworkStep');
const AddressesStep = later(() => import('./Addresses'), 'AddressesStep');
const LabStep = later(() => import('./Lab'), 'LabStep');
const ReviewStep = later(() => import('./Review'), 'ReviewStep');
const RunStep = later(() => import('./Run'), 'RunStep');

export interface StepDef {
  id: string;
  title: string;
  component: ComponentType;
  /** Schema paths this step edits: Next waits until none of them has an issue. */
  fields: string[];
  /** Works on a lab folder rather than the draft, so it can be opened at any time (an existing lab). */
  standalone?: boolean;
}

export const steps: StepDef[] = [
  { id: 'check', title: 'Check machine', component: CheckMachineStep, fields: [] },
  { id: 'network', title: 'Network', component: NetworkStep, fields: ['network.nic', 'network.bridge'] },
  { id: 'addresses', title: 'Addresses', component: AddressesStep, fields: ['network', 'server', 'agents'] },
  { id: 'lab', title: 'Lab', component: LabStep, fields: ['name', 'vm', 'k3s', 'registry'] },
  { id: 'review', title: 'Review', component: ReviewStep, fields: [] },
  { id: 'run', title: 'Run', component: RunStep, fields: [], standalone: true },
];
