import { describe, expect, it } from 'vitest';
import {
  checkFileSettings,
  checkKafkaSettings,
  checkSubscription,
  checkWebhookHeaders,
  checkWebhookUrl,
  createDestinationId,
} from '../../core/destination-rules.js';

const catalogue = { types: ['invoice.created', 'invoice.paid', 'crm.deal.created'], entities: new Set(['invoice', 'crm.deal']) };
const none = new Set<string>();
const fields = (problems: { field: string }[]) => problems.map((problem) => problem.field);

describe('destination rules', () => {
  it('makes time-ordered dst_ ids', () => {
    const first = createDestinationId();
    const second = createDestinationId();
    expect(first).toMatch(/^dst_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second > first).toBe(true);
  });

  it('accepts known types, prefix patterns and *, and names unknown ones', () => {
    expect(checkSubscription({ event_types: ['invoice.*', 'crm.deal.created', '*'], entity_types: ['invoice'] }, catalogue)).toEqual([]);
    expect(fields(checkSubscription({ event_types: ['invoice.refunded'] }, catalogue))).toEqual(['event_types']);
    expect(fields(checkSubscription({ event_types: [] }, catalogue))).toContain('event_types');
    expect(fields(checkSubscription({ entity_types: ['spaceship'] }, catalogue))).toEqual(['entity_types']);
  });

  it('allows public https URLs and refuses internal, plain-http and credentialed ones unless the host is allowed', () => {
    expect(checkWebhookUrl('https://hooks.example.com/x', ['93.184.216.34'], none)).toEqual([]);
    expect(fields(checkWebhookUrl('https://hooks.example.com/x', ['10.0.0.1'], none))).toEqual(['webhook.url']);
    expect(fields(checkWebhookUrl('https://127.0.0.1/x', [], none))).toEqual(['webhook.url']);
    expect(fields(checkWebhookUrl('http://hooks.example.com/x', ['93.184.216.34'], none))).toEqual(['webhook.url']);
    expect(fields(checkWebhookUrl('https://a:b@hooks.example.com/x', ['93.184.216.34'], none))).toEqual(['webhook.url']);
    expect(fields(checkWebhookUrl('gopher://hooks.example.com/x', [], none))).toEqual(['webhook.url']);
    expect(fields(checkWebhookUrl('::not a url', [], none))).toEqual(['webhook.url']);
    expect(checkWebhookUrl('http://127.0.0.1:8080/x', [], new Set(['127.0.0.1']))).toEqual([]);
    expect(checkWebhookUrl('http://receiver.internal/x', ['10.1.2.3'], new Set(['receiver.internal']))).toEqual([]);
  });

  it('refuses headers the streamer sets and names that are not header names', () => {
    expect(checkWebhookHeaders({ 'x-team': 'billing', Authorization: 'Bearer t' })).toEqual([]);
    expect(fields(checkWebhookHeaders({ 'Webhook-Signature': 'x', 'bad name': 'y', Host: 'h' }))).toEqual([
      'webhook.headers.Webhook-Signature',
      'webhook.headers.bad name',
      'webhook.headers.Host',
    ]);
  });

  it('checks kafka brokers and topic names, and file directories', () => {
    expect(checkKafkaSettings({ brokers: ['kafka-1:9092', '10.0.0.2:9093'], topic: 'customer.events_v1' })).toEqual([]);
    expect(fields(checkKafkaSettings({ brokers: ['kafka-1'], topic: 'ok' }))).toEqual(['kafka.brokers']);
    expect(fields(checkKafkaSettings({ brokers: ['k:1'], topic: 'no spaces' }))).toEqual(['kafka.topic']);
    expect(fields(checkKafkaSettings({ brokers: ['k:1'], topic: '..' }))).toEqual(['kafka.topic']);
    expect(checkFileSettings({ directory: '/var/lib/evp/out' }, '/var/lib/evp')).toEqual([]);
    expect(checkFileSettings({ directory: '/var/lib/evp/' }, '/var/lib/evp')).toEqual([]);
    expect(fields(checkFileSettings({ directory: 'relative/dir' }, '/var/lib/evp'))).toEqual(['file.directory']);
    expect(fields(checkFileSettings({ directory: '/var/lib/evp/../../etc' }, '/var/lib/evp'))).toEqual(['file.directory']);
    expect(fields(checkFileSettings({ directory: '/etc/cron.d' }, '/var/lib/evp'))).toEqual(['file.directory']);
    expect(fields(checkFileSettings({ directory: '/var/lib/evpx/out' }, '/var/lib/evp'))).toEqual(['file.directory']);
  });
});
