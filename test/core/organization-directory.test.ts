import { describe, expect, it } from 'vitest';
import { organizationDirectoryName } from '../../core/organization-directory.js';

describe('organizationDirectoryName', () => {
  it('organizationDirectoryName keeps the characters of ordinary ids', () => {
    expect(organizationDirectoryName('org_acme')).toBe('org_acme');
    expect(organizationDirectoryName('Acme-2.eu')).toBe('Acme-2.eu');
  });

  it('organizationDirectoryName encodes whatever could leave the root or hide the directory', () => {
    expect(organizationDirectoryName('org:acme')).toBe('org%3Aacme');
    expect(organizationDirectoryName('../org_b')).toBe('%2E.%2Forg_b');
    expect(organizationDirectoryName('..')).toBe('%2E.');
    expect(organizationDirectoryName('.hidden')).toBe('%2Ehidden');
    expect(organizationDirectoryName('a/b\0c')).toBe('a%2Fb%00c');
    expect(organizationDirectoryName('100%')).toBe('100%25');
    expect(organizationDirectoryName('é')).toBe('%C3%A9');
    expect(organizationDirectoryName('')).toBe('%');
  });

  it('organizationDirectoryName gives distinct ids distinct names, short enough for a file system', () => {
    const ids = ['org:a', 'org%3Aa', 'org_a', `${'x'.repeat(300)}1`, `${'x'.repeat(300)}2`, ':'.repeat(200)];
    const names = ids.map(organizationDirectoryName);
    expect(new Set(names).size).toBe(ids.length);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(200);
    expect(names[3]).toMatch(/^x+~[0-9a-f]{32}$/);
  });
});
