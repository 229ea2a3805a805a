import { createHash } from 'node:crypto';
import { createSecretBox } from '../../core/secret-box.js';

/**
 * The key every test's API, streamer and demo seal and open webhook secrets with, as one
 * deployment's processes share one. Commands the tests run get it as DESTINATION_SECRET_KEY.
 */
export const testSecretKey = createHash('sha256').update('event-pipeline test secret key').digest('base64');
export const testSecretBox = createSecretBox(Buffer.from(testSecretKey, 'base64'));
