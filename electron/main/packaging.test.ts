/** No installer can be built here, so the builder config is held to electron-builder's own schema. */
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../..');
const config = parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
const schema = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('app-builder-lib/scheme.json'), 'utf8')) as object;

const targets = (platform: string) =>
  ((config[platform] as { target: (string | { target: string })[] }).target ?? []).map((t) => (typeof t === 'string' ? t : t.target));

describe('electron-builder.yml', () => {
  it('validates against electron-builder’s JSON schema', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    const validate = ajv.compile(schema);
    expect(validate(config), ajv.errorsText(validate.errors)).toBe(true);
  });

  it('rejects a config with an unknown key, so the validation above can fail', () => {
    const validate = new Ajv({ strict: false, allowUnionTypes: true }).compile(schema);
    expect(validate({ ...config, notAnOption: true })).toBe(false);
  });

  it('sets every fuse: file:// privileges, NODE_OPTIONS and --inspect off; RunAsNode kept only for the CLI launcher', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: true,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('builds AppImage and deb, dmg, and nsis installers with the app’s identity and icon', () => {
    expect(config).toMatchObject({ appId: 'io.clusterlab.app', productName: 'Cluster Lab', icon: 'build/icon.png' });
    expect(targets('linux')).toEqual(['AppImage', 'deb']);
    expect(targets('mac')).toEqual(['dmg']);
    expect(targets('win')).toEqual(['nsis']);
    const png = readFileSync(path.join(root, 'build/icon.png'));
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512); // width, from the IHDR chunk
  });

  it('packages only the built app, and the main entry points into it', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; dependencies?: object };
    expect(config.files).toEqual(expect.arrayContaining(['out/main/**/*', 'out/preload/**/*', 'out/renderer/**/*']));
    expect(pkg.main).toBe('out/main/index.js');
    // Every dependency is bundled: electron-builder would copy a `dependencies` entry into the asar.
    expect(pkg.dependencies).toBeUndefined();
  });

  it('builds macOS for Intel and Apple silicon, notarized where credentials exist, asking for the local network', () => {
    const mac = config.mac as { target: { arch: string[] }[]; notarize: boolean; extendInfo: Record<string, string> };
    expect(mac.target[0]!.arch).toEqual(['x64', 'arm64']);
    expect(mac.notarize).toBe(true);
    expect(mac.extendInfo.NSLocalNetworkUsageDescription).toMatch(/local network/);
  });

  it('ships the CLI launcher each platform runs, and links it as /usr/bin/cluster-lab in the deb', () => {
    const launcher = (platform: string) => (config[platform] as { extraResources: { to: string }[] }).extraResources.map((r) => r.to);
    expect(launcher('linux')).toEqual(['bin/cluster-lab']);
    expect(launcher('mac')).toEqual(['bin/cluster-lab']);
    expect(launcher('win')).toEqual(['bin/cluster-lab.cmd']);
    const afterInstall = readFileSync(path.join(root, (config.deb as { afterInstall: string }).afterInstall), 'utf8');
    expect(afterInstall).toContain(
      "update-alternatives --install '/usr/bin/${executable}' '${executable}' '/opt/${sanitizedProductName}/resources/bin/${executable}'",
    );
    expect((config.linux as { executableName: string }).executableName).toBe('cluster-lab');
  });
});
