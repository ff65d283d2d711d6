/**
 * Telepresence's route controller, installed into the lab: the traffic manager's Helm chart with the
 * route-controller DaemonSet on (telepresenceio/telepresence#4062, Telepresence 2.27), which drops
 * forwarded traffic to unknown service addresses on every node. Always against the lab's own
 * kubeconfig (KUBECONFIG for the child), never the user's current context.
 */
import path from 'node:path';
import { LAB_KUBECONFIG } from './kubectl';
import type { ServiceContext } from './context';
import { runTool } from './process';
import { childEnv } from './tools';

/** The namespace Telepresence installs its traffic manager into unless told otherwise. */
export const TRAFFIC_MANAGER_NAMESPACE = 'ambassador';
/** k3s's default service CIDR (`--service-cidr`); the lab sets no other. */
export const LAB_SERVICE_CIDR = '10.43.0.0/16';

export const labKubeconfigEnv = (ctx: ServiceContext, dir: string): NodeJS.ProcessEnv => ({
  ...childEnv(ctx),
  KUBECONFIG: path.join(dir, LAB_KUBECONFIG),
});

/** `install` for a cluster without a traffic manager, `upgrade` for one that has it. */
export async function helmAction(ctx: ServiceContext, kubectl: string, dir: string): Promise<'install' | 'upgrade'> {
  const found = await runTool(
    kubectl,
    ['get', 'deployment', 'traffic-manager', '-n', TRAFFIC_MANAGER_NAMESPACE, '-o', 'name', '--request-timeout=10s'],
    {
      env: labKubeconfigEnv(ctx, dir),
      timeoutMs: 20_000,
    },
  );
  return found.exitCode === 0 && found.stdout.trim() !== '' ? 'upgrade' : 'install';
}

/** The `telepresence helm` arguments that turn the route controller on for the lab's service CIDR. */
export function routeControllerArgs(action: 'install' | 'upgrade'): string[] {
  return ['helm', action, '--set', 'routeController.enabled=true', '--set', `routeController.serviceCIDRs={${LAB_SERVICE_CIDR}}`];
}

/** `kubectl get daemonsets -o json`: the route controller's desired and ready pods, or null when it is not there. */
export function routeControllerState(json: string): { name: string; desired: number; ready: number } | null {
  const list = JSON.parse(json) as { items?: { metadata?: { name?: string }; status?: { desiredNumberScheduled?: number; numberReady?: number } }[] };
  const ds = (list.items ?? []).find((item) => item.metadata?.name?.includes('route-controller'));
  if (!ds?.metadata?.name) return null;
  return { name: ds.metadata.name, desired: ds.status?.desiredNumberScheduled ?? 0, ready: ds.status?.numberReady ?? 0 };
}
