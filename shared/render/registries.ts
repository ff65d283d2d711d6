/**
 * `/etc/rancher/k3s/registries.yaml`: every node pulls `<server-name>:5000/...` from the
 * in-cluster registry over plain HTTP at the server's address (the seed's file lost its indentation).
 */
import { Document, Scalar } from 'yaml';
import { serverClusterName } from '../lab/machines';
import { REGISTRY_PORT, type LabConfig } from '../lab/schema';

/**
 * The registry as images name it, in lower case. The mirror key is compared as a string: k3s
 * writes one `certs.d/<key>/hosts.toml` per key as spelled (k3s pkg/agent/containerd/config.go,
 * writeContainerdHosts), and containerd looks for the directory named after the image's host
 * (containerd core/remotes/docker/config/hosts.go, hostPaths), so `K3S.Lab.Example:5000` would
 * never serve `k3s.lab.example:5000/app`, the spelling the cluster uses everywhere else.
 */
export function registryHost(config: LabConfig): string {
  return `${serverClusterName(config)}:${REGISTRY_PORT}`;
}

export function renderRegistriesYaml(config: LabConfig): string {
  const doc = new Document({ mirrors: {} });
  // Quoted as in the k3s documentation: a reader should not have to know that `a:5000` is one plain key.
  const host = new Scalar(registryHost(config));
  host.type = Scalar.QUOTE_DOUBLE;
  const endpoint = new Scalar(`http://${config.server.ip}:${REGISTRY_PORT}`);
  endpoint.type = Scalar.QUOTE_DOUBLE;
  doc.setIn(['mirrors', host], doc.createNode({ endpoint: [endpoint] }));
  return doc.toString();
}
