import { checkFileSettings } from '../../core/destination-rules.js';
import { defineServerKind, SettingsRefused } from '../server-kind.js';
import { file } from './kind.js';
import { createFileSender } from './sender.js';

const defaultRotateBytes = 64 * 1024 * 1024;

/** Files: the directory must lead into the organization's own; an attempt appends a group of lines. */
export const fileServer = defineServerKind({
  kind: file,
  check: (settings, context) =>
    context.fileRoot === undefined
      ? Promise.reject(new SettingsRefused('type', 'File destinations are not enabled on this server (no DESTINATION_FILE_ROOT).'))
      : Promise.resolve(checkFileSettings(settings, context.fileRoot, context.organizationId)),
  createSender: (environment) => createFileSender({ root: environment.fileRoot }),
  plan: (settings, sender, defaults) => ({
    claim: { mode: 'group' },
    timeoutMs: defaults.timeoutMs,
    send: (unit) =>
      sender.send({
        organizationId: unit.organizationId,
        directory: settings.directory,
        lines: unit.deliveries.map((delivery) => delivery.payload),
        rotateBytes: settings.rotate_bytes ?? defaultRotateBytes,
      }),
  }),
});
