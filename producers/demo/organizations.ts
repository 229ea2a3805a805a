import type { DemoOrganization } from './types.js';

type Profile = Omit<DemoOrganization, 'users'>;

/** The first organizations, in order: `evp start` makes its API key for the first (org_acme). */
const profiles: readonly Profile[] = [
  { id: 'org_acme', name: 'Acme Corporation', code: 'ACM', currency: 'USD', locale: 'en-US', country: 'US', taxPercent: 0 },
  { id: 'org_globex', name: 'Globex GmbH', code: 'GLX', currency: 'EUR', locale: 'de-DE', country: 'DE', taxPercent: 19 },
  { id: 'org_initech', name: 'Initech Ltd', code: 'INI', currency: 'GBP', locale: 'en-GB', country: 'GB', taxPercent: 20 },
  { id: 'org_umbrella', name: 'Umbrella SAS', code: 'UMB', currency: 'EUR', locale: 'fr-FR', country: 'FR', taxPercent: 20 },
  { id: 'org_hooli', name: 'Hooli Inc.', code: 'HOO', currency: 'USD', locale: 'en-US', country: 'US', taxPercent: 0 },
  { id: 'org_soylent', name: 'Soylent B.V.', code: 'SOY', currency: 'EUR', locale: 'nl-NL', country: 'NL', taxPercent: 21 },
  { id: 'org_stark', name: 'Stark Industries', code: 'STK', currency: 'USD', locale: 'en-US', country: 'US', taxPercent: 0 },
  { id: 'org_wonka', name: 'Wonka Confectionery Ltd', code: 'WON', currency: 'GBP', locale: 'en-GB', country: 'GB', taxPercent: 20 },
  { id: 'org_tyrell', name: 'Tyrell AG', code: 'TYR', currency: 'EUR', locale: 'de-DE', country: 'DE', taxPercent: 19 },
  { id: 'org_cyberdyne', name: 'Cyberdyne Systems', code: 'CYB', currency: 'USD', locale: 'en-US', country: 'US', taxPercent: 0 },
];

const staff = ['alice', 'bob', 'chen', 'dana', 'emre', 'fatima'];

/** The demo's organizations: the named ones first, then `org_demo_11`, `org_demo_12`, … */
export function demoOrganizations(count: number): DemoOrganization[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`the demo needs at least one organization, got ${count}`);
  return Array.from({ length: count }, (_, index) => {
    const profile: Profile = profiles[index] ?? {
      id: `org_demo_${index + 1}`,
      name: `Demo Organization ${index + 1}`,
      code: `D${String(index + 1).padStart(2, '0')}`,
      currency: 'EUR',
      locale: 'en-IE',
      country: 'IE',
      taxPercent: 23,
    };
    const slug = profile.id.slice('org_'.length);
    return { ...profile, users: staff.map((name) => `usr_${slug}_${name}`) };
  });
}
