/** Facts about the machine the lab runs on, and the tools Cluster Lab drives. */
export const toolNames = ['vagrant', 'VBoxManage', 'kubectl', 'telepresence'] as const;
export type ToolName = (typeof toolNames)[number];

export interface ToolInfo {
  found: boolean;
  /** Absolute path of the executable that will be run, or null when it was not found. */
  path: string | null;
  /** Parsed from the tool's own version output; null when not found or unparseable. */
  version: string | null;
  /** Set when the tool was found but its version could not be read (timeout, crash, odd output). */
  error?: string;
}

export type ToolReport = Record<ToolName, ToolInfo>;

export interface HostInfo {
  platform: 'linux' | 'darwin' | 'win32' | string;
  osName: string;
  release: string;
  arch: string;
  hostname: string;
  cpus: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
}

export interface HostFacts {
  host: HostInfo;
  tools: ToolReport;
}

export interface ToolMeta {
  label: string;
  purpose: string;
  required: boolean;
  /** What to do when it is missing: a person-sized instruction with where to get it. */
  installHint: string;
}

export const toolMeta: Record<ToolName, ToolMeta> = {
  vagrant: {
    label: 'Vagrant',
    purpose: 'creates and provisions the lab VMs',
    required: true,
    installHint: 'Install Vagrant from https://developer.hashicorp.com/vagrant/install (Debian/Ubuntu: apt-get install vagrant).',
  },
  VBoxManage: {
    label: 'VirtualBox',
    purpose: 'runs the VMs on a bridged network',
    required: true,
    installHint: 'Install VirtualBox from https://www.virtualbox.org/wiki/Downloads; VBoxManage comes with it.',
  },
  kubectl: {
    label: 'kubectl',
    purpose: 'applies the registry and checks that nodes are Ready',
    required: true,
    installHint: 'Install kubectl from https://kubernetes.io/docs/tasks/tools/ (or your package manager).',
  },
  telepresence: {
    label: 'Telepresence',
    purpose: 'optional: the client whose VIF recursion this lab avoids',
    required: false,
    installHint: 'Optional. Install it from https://telepresence.io/docs/install/client if you use it; the lab works without it.',
  },
};
