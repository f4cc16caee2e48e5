import { describe, expect, it } from 'vitest';
import { AddressRefused, classifyAddress, createAddressGuard } from '../src/lib/address-policy.ts';
import { testResolver } from './helpers/app.ts';

// Only classified, never connected to: these tests open no socket at all.
const REFUSED = [
  '0.0.0.0',
  '10.0.0.1',
  '10.255.255.255',
  '100.64.0.1',
  '100.100.100.200', // Alibaba Cloud metadata (CGNAT range)
  '169.254.169.254', // AWS/GCP/Azure metadata
  '169.254.0.1',
  '172.16.0.1',
  '172.31.255.254',
  '192.168.1.1',
  '224.0.0.1',
  '239.255.255.250',
  '255.255.255.255',
  '::',
  'fc00::1',
  'fd00:ec2::254', // AWS metadata over IPv6
  'fe80::1',
  'fe80::1%eth0',
  'ff02::1',
  '::ffff:10.0.0.1',
  '::ffff:169.254.169.254',
  '::ffff:a9fe:a9fe', // 169.254.169.254, hex form
  '::ffff:192.168.0.1',
  '::10.0.0.1', // IPv4-compatible
  '64:ff9b::a00:1', // NAT64 of 10.0.0.1
  '2002:0a00:0001::1', // 6to4 of 10.0.0.1
  '0:0:0:0:0:ffff:172.16.0.1',
];
const LOOPBACK = ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:0:0:1'];
const PUBLIC = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8'];

describe('address policy', () => {
  it('classifies private, link-local, CGNAT, multicast and metadata addresses (incl. IPv4-mapped) as refused', () => {
    expect(REFUSED.filter((a) => classifyAddress(a) !== 'refused')).toEqual([]);
    expect(LOOPBACK.filter((a) => classifyAddress(a) !== 'loopback')).toEqual([]);
    expect(PUBLIC.filter((a) => classifyAddress(a) !== 'public')).toEqual([]);
    expect(classifyAddress('not-an-ip')).toBe('refused');
  });

  it('refuses a name when any one of its answers is not public; loopback only when allowed', async () => {
    const hosts = new Map([
      ['mixed.test', ['93.184.216.34', '10.0.0.1']],
      ['public.test', ['93.184.216.34']],
      ['local.test', ['127.0.0.1']],
      ['mapped.test', ['::ffff:192.168.0.1']],
    ]);
    const strict = createAddressGuard({ resolve: testResolver(hosts) });
    await expect(strict.check('mixed.test')).rejects.toBeInstanceOf(AddressRefused);
    await expect(strict.check('mapped.test')).rejects.toBeInstanceOf(AddressRefused);
    await expect(strict.check('local.test')).rejects.toBeInstanceOf(AddressRefused);
    await expect(strict.check('[::1]')).rejects.toBeInstanceOf(AddressRefused);
    await expect(strict.check('public.test')).resolves.toHaveLength(1);
    const tests = createAddressGuard({ resolve: testResolver(hosts), allowLoopback: true });
    await expect(tests.check('local.test')).resolves.toHaveLength(1);
    await expect(tests.check('mapped.test')).rejects.toBeInstanceOf(AddressRefused);
  });
});
