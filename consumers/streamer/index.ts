export { startStreamer, type Streamer } from './streamer.js';
export { streamerDefaults, type StreamerOptions } from './options.js';
