/**
 * Where Help sends people: the documentation of the tools the lab is made of. Every host is one of
 * Electron's allowed documentation hosts (electron/main/security.ts), so the links open there too.
 */
export const helpLinks: readonly { label: string; url: string }[] = [
  { label: 'k3s documentation', url: 'https://docs.k3s.io/' },
  { label: 'Vagrant: the VirtualBox provider', url: 'https://developer.hashicorp.com/vagrant/docs/providers/virtualbox' },
  { label: 'Vagrant: public (bridged) networks', url: 'https://developer.hashicorp.com/vagrant/docs/networking/public_network' },
  { label: 'VirtualBox manual', url: 'https://www.virtualbox.org/manual/' },
  { label: 'kubectl reference', url: 'https://kubernetes.io/docs/reference/kubectl/' },
  { label: 'Telepresence troubleshooting', url: 'https://telepresence.io/docs/troubleshooting' },
];
