import { Type, type Static } from 'typebox';
import { SafeInteger, SafeString } from '../../core/request-schemas.js';
import { defineKind } from '../kind.js';

/** Each event as a line of rotated NDJSON files in the organization's own directory. */
export const FileSettings = Type.Object(
  {
    directory: SafeString({
      minLength: 1,
      maxLength: 1000,
      description:
        "Directory of the rotated NDJSON files, relative to the organization's own directory under DESTINATION_FILE_ROOT (e.g. exports/invoices), or absolute inside it; no `..`. Answered back as given.",
    }),
    rotate_bytes: Type.Optional(
      SafeInteger({ minimum: 1024, maximum: 1024 ** 3, description: 'A new file is started past this size. Default 64 MiB.' }),
    ),
  },
  { additionalProperties: false },
);
export type FileSettings = Static<typeof FileSettings>;

export const file = defineKind({
  name: 'file',
  label: 'Files (NDJSON)',
  settings: FileSettings,
  signed: false,
  target: (settings) => ({ name: settings.directory }),
  fields: [
    { setting: 'directory', id: 'dst-directory', label: 'Directory', input: 'text' },
    { setting: 'rotate_bytes', id: 'dst-rotate-bytes', label: 'Rotate after (bytes)', input: 'integer', noun: 'Rotate after' },
  ],
  flags: [
    {
      setting: 'directory',
      flag: '--directory <path>',
      description: "directory of the NDJSON files, relative to the organization's own under DESTINATION_FILE_ROOT",
    },
    { setting: 'rotate_bytes', flag: '--rotate-bytes <n>', description: 'start a new file past this size', value: 'integer' },
  ],
});
