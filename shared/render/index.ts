/**
 * Everything a lab folder is made from, rendered from one LabConfig: pure and deterministic
 * (same config, same bytes), so re-writing an unchanged lab changes nothing on disk.
 */
import type { RenderedFile } from '../lab/files';
import { assertLab, type LabConfig } from '../lab/schema';
import { renderRegistryManifest } from './manifests';
import { renderVagrantfile } from './vagrantfile';

export const VAGRANTFILE = 'Vagrantfile';
export const REGISTRY_MANIFEST = 'registry.yaml';
export const LAB_JSON = 'lab.json';

/** lab.json: the schema's own key order whatever order the input had, two-space indent, final newline. */
export function renderLabJson(config: LabConfig): string {
  return `${JSON.stringify(assertLab(config), null, 2)}\n`;
}

export function renderLab(config: LabConfig): RenderedFile[] {
  const files: RenderedFile[] = [{ name: VAGRANTFILE, content: renderVagrantfile(config) }];
  if (config.registry.enabled) files.push({ name: REGISTRY_MANIFEST, content: renderRegistryManifest(config) });
  files.push({ name: LAB_JSON, content: renderLabJson(config) });
  return files;
}
