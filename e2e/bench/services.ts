/** The main-process work a user waits on: NIC detection plus the plan, and render plus validation. */
import { createContext } from '../../electron/services/context';
import { detectNics } from '../../electron/services/network';
import { suggestPlan } from '../../shared/lab/plan';
import { validateLab } from '../../shared/lab/schema';
import { renderLab } from '../../shared/render';
import { seedLab } from '../../shared/render/testing';
import { timeMedian } from './figures';

export async function benchDetect(runs = 20): Promise<{ medianMs: number }> {
  const ctx = createContext();
  const medianMs = await timeMedian(runs, async () => {
    const report = await detectNics(ctx, { refresh: true });
    const nic = report.nics.find((n) => n.excluded === false);
    if (nic) suggestPlan(nic, report, { agents: 2 });
  });
  return { medianMs };
}

export async function benchRender(runs = 100): Promise<{ medianMs: number }> {
  const lab = seedLab();
  lab.agents = Array.from({ length: 9 }, (_, i) => ({ name: `agent${i + 1}`, ip: `192.168.1.${111 + i}` }));
  const medianMs = await timeMedian(runs, () => {
    const result = validateLab(lab);
    if (!result.ok) throw new Error(result.issues.map((i) => i.message).join(' '));
    renderLab(result.config);
  });
  return { medianMs };
}
