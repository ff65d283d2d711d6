/**
 * What the OS says about its network: the interfaces, the default one and the default route, from
 * systeminformation. Its own module so that it can run on another thread: systeminformation reads
 * them with execSync (`ipconfig /all` and `netsh` on Windows, lib/network.js), which would freeze
 * the Electron main process and with it the window (electron/offThread/).
 */
import si from 'systeminformation';

export interface NetworkFacts {
  interfaces: si.Systeminformation.NetworkInterfacesData[];
  defaultInterface: string;
  defaultGateway: string;
}

export async function readNetworkFacts(): Promise<NetworkFacts> {
  const [interfaces, defaultInterface, defaultGateway] = await Promise.all([
    si.networkInterfaces(),
    si.networkInterfaceDefault(),
    si.networkGatewayDefault(),
  ]);
  return { interfaces: Array.isArray(interfaces) ? interfaces : [interfaces], defaultInterface, defaultGateway };
}
