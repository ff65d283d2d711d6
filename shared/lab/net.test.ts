import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCidr, formatIPv4, inSubnet, isUsableHost, parseCidr, parseIPv4, prefixFromNetmask, usableRangeText } from './net';

describe('IPv4 syntax', () => {
  it('reads dotted quads and refuses everything else', () => {
    expect(parseIPv4('192.168.1.110')).toBe(0xc0a8016e);
    expect(parseIPv4(' 10.0.0.1 ')).toBe(0x0a000001);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', 'a.b.c.d', '1..2.3']) expect(parseIPv4(bad), bad).toBeNull();
  });

  it('formats what it parses', () => {
    fc.assert(fc.property(fc.ipV4(), (ip) => formatIPv4(parseIPv4(ip)!) === ip));
  });
});

describe('subnets', () => {
  const cases = [
    { cidr: '10.20.30.40/8', network: '10.0.0.0/8', range: '10.0.0.1 to 10.255.255.254', size: 16_777_214 },
    { cidr: '172.16.5.4/16', network: '172.16.0.0/16', range: '172.16.0.1 to 172.16.255.254', size: 65_534 },
    { cidr: '192.168.1.23/24', network: '192.168.1.0/24', range: '192.168.1.1 to 192.168.1.254', size: 254 },
    { cidr: '192.168.1.77/29', network: '192.168.1.72/29', range: '192.168.1.73 to 192.168.1.78', size: 6 },
    { cidr: '192.168.1.6/30', network: '192.168.1.4/30', range: '192.168.1.5 to 192.168.1.6', size: 2 },
  ];
  for (const c of cases)
    it(`${c.cidr}: network, usable range and size`, () => {
      const subnet = parseCidr(c.cidr)!;
      expect(formatCidr(subnet)).toBe(c.network);
      expect(usableRangeText(subnet)).toBe(c.range);
      expect(subnet.size).toBe(c.size);
      expect(isUsableHost(subnet, subnet.network)).toBe(false);
      expect(isUsableHost(subnet, subnet.broadcast)).toBe(false);
      expect(inSubnet(subnet, subnet.broadcast + 1)).toBe(false);
      expect(inSubnet(subnet, subnet.network - 1)).toBe(false);
    });

  it('/31 and /32 have no usable host addresses', () => {
    expect(parseCidr('192.168.1.4/31')!.size).toBe(0);
    expect(parseCidr('192.168.1.4/32')!.size).toBe(0);
  });

  it('refuses malformed prefixes', () => {
    for (const bad of ['192.168.1.0', '192.168.1.0/33', '192.168.1.0/', '/24', '192.168.1/24']) expect(parseCidr(bad), bad).toBeNull();
  });

  it('every address lies in the subnet it defines, between network and broadcast', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, prefix) => {
        const subnet = parseCidr(`${ip}/${prefix}`)!;
        const address = parseIPv4(ip)!;
        return inSubnet(subnet, address) && subnet.broadcast - subnet.network + 1 === 2 ** (32 - prefix) && subnet.network % 2 ** (32 - prefix) === 0;
      }),
    );
  });

  it('turns netmasks into prefix lengths and refuses holes', () => {
    expect(prefixFromNetmask('255.0.0.0')).toBe(8);
    expect(prefixFromNetmask('255.255.248.0')).toBe(21);
    expect(prefixFromNetmask('255.255.255.252')).toBe(30);
    expect(prefixFromNetmask('255.255.255.255')).toBe(32);
    expect(prefixFromNetmask('0.0.0.0')).toBe(0);
    expect(prefixFromNetmask('255.0.255.0')).toBeNull();
  });
});
