/** The wizard's steps, in order, and the fields each one is answerable for. */
import type { ComponentType } from 'react';
import { AddressesStep } from './Addresses';
import { CheckMachineStep } from './CheckMachine';
import { LabStep } from './Lab';
import { NetworkStep } from './Network';
import { ReviewStep } from './Review';
import { RunStep } from './Run';

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
