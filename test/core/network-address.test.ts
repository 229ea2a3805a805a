import { describe, expect, it } from 'vitest';
import { isInternalAddress } from '../../core/network-address.js';

describe('isInternalAddress', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    '[::1]',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::FFFF:10.0.0.1',
  ])('refuses %s', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows %s',
    (address) => {
      expect(isInternalAddress(address)).toBe(false);
    },
  );

  it('throws for something that is not an address', () => {
    expect(() => isInternalAddress('localhost')).toThrow(/not an IP address/);
    expect(() => isInternalAddress('999.1.1.1')).toThrow(/not an IP address/);
  });
});
