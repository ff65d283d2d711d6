/**
 * Telepresence's route controller, installed into the lab: the traffic manager's Helm chart with the
 * route-controller DaemonSet on (telepresenceio/telepresence#4062, Telepresence 2.27), which drops
 * forwarded traffic to unknown service addresses on every node. Always against the lab's own
 * kubeconfig (KUBECONFIG for the child), never the user's current context.
 */
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { ROUTE_CONTROLLER_SINCE, routeControllerAvailable } from '../../shared/telepresence';
import { LAB_KUBECONFIG } from './kubectl';
import type { ServiceContext } from './context';
import { runTool } from './process';
import { managerNamespace } from './telepresence';
import { childEnv, parseToolVersion } from './tools';

/** k3s's default service CIDR (`--service-cidr`); the lab sets no other. */
export const LAB_SERVICE_CIDR = '10.43.0.0/16';
/** The Helm release `telepresence helm` installs (pkg/client/cli/helm/install.go: trafficManagerReleaseName). */
export const TRAFFIC_MANAGER_RELEASE = 'traffic-manager';
/** The DaemonSet the chart's templates/routecontroller-daemonset.yaml creates in the manager's namespace. */
export const ROUTE_CONTROLLER_DAEMONSET = 'route-controller';

export const labKubeconfigEnv = (ctx: ServiceContext, dir: string): NodeJS.ProcessEnv => ({
  ...childEnv(ctx),
  KUBECONFIG: path.join(dir, LAB_KUBECONFIG),
});

/**
 * The client's version and the namespace its traffic manager goes into. A client older than 2.27
 * is refused here: its chart has no `routeController` values (the chart's values.schema.json has
 * `additionalProperties: false`), so Helm would refuse them or install nothing.
 */
export async function routeControllerTarget(ctx: ServiceContext, telepresence: string): Promise<{ version: string | null; namespace: string }> {
  const result = await runTool(telepresence, ['version'], { env: childEnv(ctx), timeoutMs: 20_000 });
  const version = parseToolVersion('telepresence', `${result.stdout}\n${result.stderr}`);
  if (routeControllerAvailable(version) === false)
    throw new AppError(
      'unsupported',
      `Telepresence ${version} at ${telepresence} has no route controller: it arrived in ${ROUTE_CONTROLLER_SINCE}.`,
      {
        hint: `Update the client to ${ROUTE_CONTROLLER_SINCE.replace(/\.0$/, '')} or later (it installs the traffic manager of its own version), then run this again.`,
      },
    );
  return { version, namespace: await managerNamespace(ctx, version) };
}

/**
 * `upgrade` when the namespace holds a deployed Helm release of the traffic manager, else `install`.
 * Asked of Helm's own record, as Telepresence asks it (install.go isInstalled/getHelmRelease): the
 * release is a Secret labelled owner=helm, name=RELEASE, status=STATUS (Helm's
 * pkg/storage/driver/secrets.go newSecretsObject). The workload is no guide: since 2.32 the
 * traffic manager is a StatefulSet (charts/telepresence-oss/templates/statefulset.yaml), no longer a
 * Deployment. A release that is not deployed (failed, pending) is left to `install`, which
 * Telepresence uninstalls and installs afresh; `helm install` over a deployed one is refused
 * ("traffic-manager version … is already installed, use 'telepresence helm upgrade' instead").
 */
export async function helmAction(ctx: ServiceContext, kubectl: string, dir: string, namespace: string): Promise<'install' | 'upgrade'> {
  const found = await runTool(
    kubectl,
    ['get', 'secrets', '-n', namespace, '-l', `owner=helm,name=${TRAFFIC_MANAGER_RELEASE},status=deployed`, '-o', 'name', '--request-timeout=10s'],
    { env: labKubeconfigEnv(ctx, dir), timeoutMs: 20_000 },
  );
  if (found.exitCode !== 0)
    throw new AppError(
      'io',
      `kubectl could not read the Helm releases in namespace ${namespace}: ${found.stderr.trim() || `exit ${found.exitCode}`}`,
      {
        hint: 'Check that the lab is up (Status on the Run step, or `cluster-lab status --dir DIR`), then run this again.',
      },
    );
  return found.stdout.trim() === '' ? 'install' : 'upgrade';
}

/**
 * The `telepresence helm` arguments that turn the route controller on for the lab's service CIDR,
 * in the namespace chosen. `--reuse-values` on an upgrade: Telepresence reuses the release's earlier
 * values only when none are given (install.go ensureIsInstalled), so `--set` alone would drop the
 * user's own. `routeController.serviceCIDRs` is in the chart's schema from 2.27.0 on (its
 * values.schema.json, as published with the 2.27 docs), the first chart with the route controller;
 * k3s before 1.33 has no ServiceCIDR API for the controller to find it by itself.
 */
export function routeControllerArgs(action: 'install' | 'upgrade', namespace: string): string[] {
  return [
    'helm',
    action,
    '--manager-namespace',
    namespace,
    ...(action === 'upgrade' ? ['--reuse-values'] : []),
    '--set',
    'routeController.enabled=true',
    '--set',
    `routeController.serviceCIDRs={${LAB_SERVICE_CIDR}}`,
  ];
}

/** `kubectl get daemonsets -o json`: the route controller's desired and ready pods, or null when it is not there. */
export function routeControllerState(json: string): { name: string; desired: number; ready: number } | null {
  const list = JSON.parse(json) as { items?: { metadata?: { name?: string }; status?: { desiredNumberScheduled?: number; numberReady?: number } }[] };
  const ds = (list.items ?? []).find((item) => item.metadata?.name === ROUTE_CONTROLLER_DAEMONSET);
  if (!ds) return null;
  return { name: ROUTE_CONTROLLER_DAEMONSET, desired: ds.status?.desiredNumberScheduled ?? 0, ready: ds.status?.numberReady ?? 0 };
}
