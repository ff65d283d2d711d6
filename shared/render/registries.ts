/**
 * `/etc/rancher/k3s/registries.yaml`: every node pulls `<server-name>:5000/...` from the
 * in-cluster registry over plain HTTP at the server's address (the seed's file lost its indentation).
 */
import { Document, Scalar } from 'yaml';
import { REGISTRY_PORT, type LabConfig } from '../lab/schema';

export function registryHost(config: LabConfig): string {
  return `${config.server.name}:${REGISTRY_PORT}`;
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
