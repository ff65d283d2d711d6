import { describe, expect, it, vi } from 'vitest';
import { documentationHosts, documentationLink, openDocumentation } from './security';

describe('links out of the app', () => {
  it('opens https links to the documentation hosts, as the URL parser writes them', () => {
    for (const host of documentationHosts) expect(documentationLink(`https://${host}/docs?x=1#y`)).toBe(`https://${host}/docs?x=1#y`);
    expect(documentationLink('https://KUBERNETES.io/docs/')).toBe('https://kubernetes.io/docs/');
    expect(documentationLink('https://kubernetes.io:443/')).toBe('https://kubernetes.io/');
  });

  it('refuses every other scheme, host, port and any credentials', () => {
    for (const url of [
      'http://kubernetes.io/',
      'https://kubernetes.io.evil.example/',
      'https://evil.example/?https://kubernetes.io/',
      'https://evil.kubernetes.io/',
      'https://user:pass@kubernetes.io/',
      'https://kubernetes.io@evil.example/',
      'https://kubernetes.io:8443/',
      'file:///etc/passwd',
      'smb://evil.example/share/x.desktop',
      'javascript:alert(1)',
      'app://cluster-lab/',
      'not a url',
      '',
    ])
      expect(documentationLink(url), url).toBeNull();
  });

  it('hands only an allowed link to the opener, once', () => {
    const open = vi.fn();
    openDocumentation('https://developer.hashicorp.com/vagrant/install', open);
    openDocumentation('file:///Applications/Calculator.app', open);
    expect(open.mock.calls).toEqual([['https://developer.hashicorp.com/vagrant/install']]);
  });
});
