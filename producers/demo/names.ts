import type { Random } from './random.js';

/** Realistic values for the demo's data: people, companies, devices, products. */

const firstNames = (
  'Olivia Liam Emma Noah Ava Lucas Mia Elias Sofia Mateo Hannah Leon Amelia Yusuf Chloe Arjun Lea Kenji ' +
  'Zoe Omar Ines Finn Priya Jonas Camille Tomasz Aiko Diego'
).split(' ');
const lastNames = (
  'Smith Müller Garcia Nguyen Johnson Schmidt Rossi Dubois Kowalski Jansen Silva Kim Patel Okafor Novak ' +
  'Larsen Fischer Moreau Tanaka Haddad Brown Weber Costa Andersson'
).split(' ');
export const companies = (
  'Northwind Traders|Contoso|Fabrikam|Tailspin Toys|Wide World Importers|Adventure Works|Litware|' +
  'Proseware|Blue Yonder Airlines|Coho Winery|Lamna Healthcare|Trey Research|Woodgrove Bank|' +
  'Alpine Ski House|Fourth Coffee|Humongous Insurance|Lucerne Publishing|Wingtip Toys|Relecloud|' +
  'VanArsdel'
).split('|');
const mailDomains = 'gmail.com outlook.com proton.me icloud.com fastmail.com'.split(' ');

export interface Person {
  readonly name: string;
  readonly email: string;
}

/** A person with a matching email, at a webmail provider or at `company`. */
export function person(random: Random, company?: string): Person {
  const first = random.pick(firstNames);
  const last = random.pick(lastNames);
  const domain = company === undefined ? random.pick(mailDomains) : `${slug(company)}.example`;
  const local = `${ascii(first)}.${ascii(last)}${company === undefined ? random.int(1, 99) : ''}`.toLowerCase();
  return { name: `${first} ${last}`, email: `${local}@${domain}` };
}

/** `Wide World Importers` → `wide-world-importers`. */
export function slug(text: string): string {
  return ascii(text)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function ascii(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

/** The Luhn check digit of a string of digits (ICCIDs, IMEIs). */
export function luhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return String((10 - (sum % 10)) % 10);
}

/** The EAN-13 check digit of 12 digits. */
export function eanDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[i]) * (i % 2 === 0 ? 1 : 3);
  return String((10 - (sum % 10)) % 10);
}

export function digits(random: Random, length: number): string {
  return random.chars(length, '0123456789');
}
