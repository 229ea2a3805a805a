import fs from 'node:fs';
import { z } from 'zod';
import { optionalText } from './setting.js';

/**
 * Settings whose value is a file's content: a CA bundle, a client certificate, a password kept in
 * a file (Kubernetes and Docker secrets mount them so). The file is read when the configuration
 * loads; one that cannot be read, or holds something else, is a problem of its variable.
 */
function readSettingFile(file: string, context: z.RefinementCtx): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    context.addIssue({ code: 'custom', message: `cannot be read (${reason}): it must name a readable file` });
    return undefined;
  }
}

/** A file of PEM blocks of `label` (`CERTIFICATE`, `PRIVATE KEY`), as text. */
export const pemFile = (label: 'CERTIFICATE' | 'PRIVATE KEY', example: string) =>
  optionalText.pipe(
    z
      .string()
      .transform((file, context) => {
        const text = readSettingFile(file, context);
        if (text === undefined) return z.NEVER;
        const pattern = label === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN (?:[A-Z]+ )?(?:ENCRYPTED )?PRIVATE KEY-----/;
        if (!pattern.test(text)) {
          context.addIssue({ code: 'custom', message: `holds no PEM ${label.toLowerCase()} (-----BEGIN ${label}-----), e.g. ${example}` });
          return z.NEVER;
        }
        return text;
      })
      .optional(),
  );

/** A secret kept in a file: its content without the line break that usually ends it. */
export const secretFile = optionalText.pipe(
  z
    .string()
    .transform((file, context) => {
      const text = readSettingFile(file, context);
      if (text === undefined) return z.NEVER;
      const secret = text.replace(/\r?\n$/, '');
      if (secret === '') {
        context.addIssue({ code: 'custom', message: 'names an empty file' });
        return z.NEVER;
      }
      return secret;
    })
    .optional(),
);

/** A path whose file is read again each time it is needed (a token a sidecar refreshes): checked now, read later. */
export const refreshedFile = optionalText.pipe(
  z
    .string()
    .transform((file, context) => (readSettingFile(file, context) === undefined ? z.NEVER : file))
    .optional(),
);

/** A secret given as a variable or in a file (`<NAME>_FILE`), never both. */
export function eitherSecret(values: Record<string, unknown>, name: string, context: z.RefinementCtx): string | undefined {
  const direct = values[name] as string | undefined;
  const fromFile = values[`${name}_FILE`] as string | undefined;
  if (direct !== undefined && fromFile !== undefined) {
    context.addIssue({ code: 'custom', path: [`${name}_FILE`], message: `is set as well as ${name}: set one of them` });
  }
  return direct ?? fromFile;
}
