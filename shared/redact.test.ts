import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact';

const hash = 'a3f1c0d5e9b2478f6a1c3e5d7b9f0a2c4e6d8b0a1c3e5f7d9b1a3c5e7f9d1b3a';

describe('redactSecrets', () => {
  it('takes the password out of a k3s node token and keeps its shape', () => {
    const line = `==> agent1: [INFO]  env: K3S_URL=https://192.168.1.110:6443 join with K10${hash}::server:9f8e7d6c5b4a39281706f5e4d3c2b1a0`;
    const out = redactSecrets(line);
    expect(out).not.toContain('9f8e7d6c5b4a39281706f5e4d3c2b1a0');
    expect(out).toContain('K10a3f1c0d5…::server:[redacted]');
    expect(out).toContain('K3S_URL=https://192.168.1.110:6443');
  });

  it('redacts K3S_TOKEN variables and --token flags, quoted or not', () => {
    const out = redactSecrets(
      `curl -sfL https://get.k3s.io | K3S_TOKEN="s3cret-value" sh -s - agent\nk3s agent --token=abc.def123 --server https://10.0.0.1:6443\nk3s server --token 'x y'`,
    );
    expect(out).not.toMatch(/s3cret-value|abc\.def123|x y/);
    expect(out).toContain('K3S_TOKEN=[redacted] sh -s - agent');
    expect(out).toContain('--token=[redacted] --server https://10.0.0.1:6443');
  });

  it('redacts the secret fields of a kubeconfig and leaves the rest readable', () => {
    const kubeconfig = [
      'apiVersion: v1',
      'clusters:',
      '- cluster:',
      '    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJkekNDQVIyZ0F3SUJBZ0lCQURBS0JnZ3Foa2pPUFFRREFqQWpNU0V3SHdZRFZRUUREQmhyTTNNdGMyVnkK',
      '    server: https://192.168.1.110:6443',
      '  name: cluster-lab',
      'users:',
      '- name: cluster-lab',
      '  user:',
      '    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJrVENDQVRlZ0F3SUJBZ0lJYk',
      '    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSUFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6',
      '- name: robot',
      '  user:',
      '    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl',
      '    "password": hunter2',
    ].join('\n');
    const out = redactSecrets(kubeconfig);
    expect(out).not.toMatch(/LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS|eyJhbGciOi|hunter2|LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJrVEND/);
    expect(out).toContain('    client-key-data: [redacted]');
    expect(out).toContain('    token: [redacted]');
    expect(out).toContain('    "password": [redacted]');
    expect(out).toContain('    server: https://192.168.1.110:6443');
    // The CA is public and says which cluster this is.
    expect(out).toContain('certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJ');
  });

  it('keeps an empty token field and words that merely mention a token', () => {
    const text = 'token:\n  the node token is written to /var/lib/rancher/k3s/server/node-token\ntokens: 3';
    expect(redactSecrets(text)).toBe(text);
  });

  it('empties PEM blocks, keys and certificates alike, in a log line stream', () => {
    const text = [
      '==> server: -----BEGIN EC PRIVATE KEY-----',
      '==> server: MHcCAQEEIAbcdefghijklmnopqrstuvwxyz0123456789ABCDEFoAoGCCqGSM49',
      '==> server: AwEHoUQDQgAE1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN',
      '==> server: -----END EC PRIVATE KEY-----',
      'after',
    ].join('\n');
    const out = redactSecrets(text);
    expect(out).not.toContain('MHcCAQEEIAbcdef');
    expect(out).not.toContain('AwEHoUQDQgAE');
    expect(out).toContain('-----BEGIN EC PRIVATE KEY-----\n[redacted]\n-----END EC PRIVATE KEY-----\nafter');
  });
});
