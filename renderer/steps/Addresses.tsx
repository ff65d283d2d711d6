import { Placeholder } from '../components/Placeholder';

export function AddressesStep() {
  return (
    <Placeholder title="Addresses">
      Static IPs for the server and agents on that NIC's subnet, the default route via your LAN router and external DNS servers, checked as you type.
    </Placeholder>
  );
}
