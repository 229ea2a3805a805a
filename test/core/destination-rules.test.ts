import { describe, expect, it } from 'vitest';
import {
  checkFileSettings,
  checkKafkaSettings,
  checkSubscription,
  checkWebhookHeaders,
  checkWebhookUrl,
  createDestinationId,
} from '../../core/destination-rules.js';
import type { KafkaBrokerPolicy } from '../../core/kafka-broker-rules.js';

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

  it('names an internal host without the address it resolves to', () => {
    const [named] = checkWebhookUrl('https://intranet.example.com/x', ['10.1.2.3'], none);
    expect(named?.message).toBe(
      'intranet.example.com resolves to an internal address (loopback, private, link-local or reserved); add the host to DESTINATION_ALLOWED_HOSTS to allow it',
    );
    expect(checkWebhookUrl('https://[fd00::1]/x', [], none)[0]?.message).toMatch(/^fd00::1 is an internal address/);
  });

  it('refuses headers the streamer sets and names that are not header names', () => {
    expect(checkWebhookHeaders({ 'x-team': 'billing', Authorization: 'Bearer t' })).toEqual([]);
    expect(checkWebhookHeaders(undefined)).toEqual([]);
    expect(fields(checkWebhookHeaders({ 'Webhook-Signature': 'x', 'bad name': 'y', Host: 'h' }))).toEqual([
      'webhook.headers.Webhook-Signature',
      'webhook.headers.bad name',
      'webhook.headers.Host',
    ]);
    for (const name of ['', 'x:y', 'x\r\ny', 'naïve', '(comment)']) expect(fields(checkWebhookHeaders({ [name]: 'v' }))).toHaveLength(1);
  });

  it.each([
    'connection',
    'Keep-Alive',
    'UPGRADE',
    'expect',
    'te',
    'trailer',
    'transfer-encoding',
    'proxy-authorization',
    'Proxy-Connection',
    'host',
    'content-length',
    'content-type',
    'user-agent',
    'webhook-id',
    'webhook-timestamp',
    'webhook-signature',
  ])('refuses the hop-by-hop, connection-control or streamer-set header %s, naming it', (name) => {
    const problems = checkWebhookHeaders({ [name]: 'x' });
    expect(fields(problems)).toEqual([`webhook.headers.${name}`]);
    expect(problems[0]?.message).toMatch(new RegExp(`^"${name}" cannot be set: `));
  });

  it('accepts field values of visible ASCII, inner spaces and tabs, Latin-1 bytes and the empty value', () => {
    expect(
      checkWebhookHeaders({
        'x-a': 'Bearer abc.DEF-123_~+/=',
        'x-b': 'a b\tc',
        'x-c': '',
        'x-d': 'café ÿ',
        'x-e': '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
      }),
    ).toEqual([]);
  });

  it.each([
    ['a\r\nx-injected: 1', 'contains CR at character 2'],
    ['a\nb', 'contains LF at character 2'],
    ['a\u0000b', 'contains NUL at character 2'],
    ['a\u001bb', 'contains the control character U+001B at character 2'],
    ['a\u007fb', 'contains the control character U+007F at character 2'],
    [' leading', 'starts or ends with a space or tab'],
    ['trailing\t', 'starts or ends with a space or tab'],
    ['price €5', 'has no single-byte form'],
    ['smile 🙂', 'has no single-byte form'],
  ])('refuses the header value %j, naming the header and why, without repeating the value', (value, reason) => {
    const problems = checkWebhookHeaders({ 'X-Token': value });
    expect(fields(problems)).toEqual(['webhook.headers.X-Token']);
    expect(problems[0]?.message).toContain('the value of "X-Token"');
    expect(problems[0]?.message).toContain(reason);
    expect(problems[0]?.message).not.toContain(value.trim());
  });

  it('refuses a value that is not a string and headers that are not an object', () => {
    expect(fields(checkWebhookHeaders({ 'x-n': 1 }))).toEqual(['webhook.headers.x-n']);
    expect(fields(checkWebhookHeaders(['x-a']))).toEqual(['webhook.headers']);
    expect(fields(checkWebhookHeaders('x-a: b'))).toEqual(['webhook.headers']);
  });

  it('caps the headers at 20 and at 8 KiB of names and values', () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v']));
    expect(checkWebhookHeaders(Object.fromEntries(Object.entries(many).slice(0, 20)))).toEqual([]);
    expect(checkWebhookHeaders(many)).toEqual([{ field: 'webhook.headers', message: 'at most 20 headers (got 21)' }]);
    // `x-b0: <1,631 characters>` and CRLF, five times: 5 × (4 + 2 + 1,631 + 2) = 8,195 bytes on the wire.
    const big = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x-b${i}`, 'v'.repeat(1_631)]));
    expect(fields(checkWebhookHeaders(big))).toEqual(['webhook.headers']);
    expect(checkWebhookHeaders(big)[0]?.message).toMatch(/8195 bytes; at most 8192/);
    const fits = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x-b${i}`, 'v'.repeat(1_630)]));
    expect(checkWebhookHeaders(fits)).toEqual([]);
  });

  it('checks kafka brokers and topic names, and file directories', () => {
    const policy = { ownBrokers: ['127.0.0.1:9092'], allowedBrokers: ['10.0.0.2:9093'], topicPrefix: 'events' };
    const resolved = new Map([['kafka-1', ['8.8.8.8']]]);
    const kafka = (brokers: string[], topic: string) => checkKafkaSettings({ brokers, topic }, policy, resolved);
    expect(kafka(['kafka-1:9092', '10.0.0.2:9093'], 'customer.events_v1')).toEqual([]);
    expect(fields(kafka(['kafka-1'], 'ok'))).toEqual(['kafka.brokers']);
    expect(fields(kafka(['kafka-1:0'], 'ok'))).toEqual(['kafka.brokers']);
    expect(fields(kafka(['k:1'], 'no spaces'))).toEqual(['kafka.topic']);
    expect(fields(kafka(['k:1'], '..'))).toEqual(['kafka.topic']);
    const root = '/var/lib/evp';
    const file = (directory: string) => checkFileSettings({ directory }, root, 'org_a');
    expect(file('relative/dir')).toEqual([]);
    expect(file('./exports//invoices/')).toEqual([]);
    expect(file('/var/lib/evp/org_a/out')).toEqual([]);
    expect(file('/var/lib/evp/org_a/')).toEqual([]);
    const refused = ['/var/lib/evp/out', '/var/lib/evp/', '/var/lib/evp/org_b/out', '/var/lib/evp/org_ab', '/etc/cron.d'];
    refused.push('../etc', 'a/../../org_b', '/var/lib/evp/org_a/../org_b', 'a\0b');
    for (const directory of refused) expect(fields(file(directory)), directory).toEqual(['file.directory']);
  });

  it('refuses file directory names past 255 bytes of UTF-8 and directories past 1,024 bytes', () => {
    const file = (directory: string) => checkFileSettings({ directory }, '/var/lib/evp', 'org_a');
    // 255 bytes is the file system's limit of one name: 85 three-byte characters fit, 86 do not.
    expect(file(`exports/${'a'.repeat(255)}`)).toEqual([]);
    expect(file(`exports/${'€'.repeat(85)}`)).toEqual([]);
    expect(file(`/var/lib/evp/org_a/${'a'.repeat(255)}`)).toEqual([]);
    for (const directory of [`exports/${'a'.repeat(256)}`, `${'€'.repeat(86)}/x`, `/var/lib/evp/org_a/${'a'.repeat(256)}`]) {
      const problems = file(directory);
      expect(fields(problems), directory).toEqual(['file.directory']);
      expect(problems[0]?.message).toMatch(/^file\.directory has a name of (256|258) bytes .*at most 255 bytes of UTF-8/);
      // The name is not echoed whole.
      expect(problems[0]?.message.length).toBeLessThan(200);
    }
    // The whole directory below the organization's: 1,024 bytes at most, `.` and empty names not counted.
    const names = Array.from({ length: 5 }, () => 'a'.repeat(200));
    expect(file([...names, 'a'.repeat(19)].join('/'))).toEqual([]);
    expect(file(`./${[...names, 'a'.repeat(19)].join('//')}/`)).toEqual([]);
    const long = file([...names, 'a'.repeat(20)].join('/'));
    expect(long).toEqual([
      {
        field: 'file.directory',
        message: "file.directory takes 1025 bytes below this organization's directory; at most 1024 bytes of UTF-8",
      },
    ]);
  });

  it("checks kafka brokers against the pipeline's own cluster and internal addresses, and its topics", () => {
    const own: KafkaBrokerPolicy = { ownBrokers: ['kafka.internal:9092'], allowedBrokers: [], topicPrefix: 'events' };
    const resolved = new Map([
      ['kafka.internal', ['10.1.0.5']],
      ['alias.example', ['10.1.0.5']],
      ['public.example', ['8.8.8.8']],
      ['rebound.example', ['8.8.4.4', '192.168.1.4']],
    ]);
    const check = (brokers: string[], topic: string, policy = own) =>
      checkKafkaSettings({ brokers, topic }, policy, resolved).map((problem) => `${problem.field}: ${problem.message}`);
    expect(check(['public.example:9092'], 'events.invoice')).toEqual([]);
    // The pipeline's own cluster, by name, by another name and by address: refused, naming the setting.
    for (const broker of ['kafka.internal:9092', 'KAFKA.internal:9092', 'alias.example:9092', '10.1.0.5:9092'])
      expect(check([broker], 'copy')[0], broker).toMatch(/^kafka\.brokers: .*own Kafka cluster.*DESTINATION_ALLOWED_KAFKA_BROKERS/);
    // Internal addresses, literal or resolved (any of them), without naming the address.
    for (const broker of ['127.0.0.1:9093', '10.1.0.5:9093', 'rebound.example:9092', '169.254.169.254:80']) {
      const problem = check([broker], 'copy')[0];
      expect(problem, broker).toMatch(/^kafka\.brokers: .*internal address.*DESTINATION_ALLOWED_KAFKA_BROKERS/);
      expect(problem).not.toContain('192.168.1.4');
    }
    // Allowed by the Kafka setting (host:port or host); DESTINATION_ALLOWED_HOSTS plays no part here.
    const allowed = { ...own, allowedBrokers: ['kafka.internal:9092', 'rebound.example'] };
    expect(check(['kafka.internal:9092'], 'copy', allowed)).toEqual([]);
    expect(check(['rebound.example:19092'], 'copy', allowed)).toEqual([]);
    expect(fields(checkKafkaSettings({ brokers: ['kafka.internal:9093'], topic: 'copy' }, allowed, resolved))).toEqual(['kafka.brokers']);
    // The pipeline's topics on its own cluster, allowed or not, and Kafka's internal topics anywhere.
    expect(check(['kafka.internal:9092'], 'events.invoice', allowed)).toEqual([
      "kafka.topic: events.invoice is one of the pipeline's own topics (events.*); choose a topic outside them",
    ]);
    expect(fields(checkKafkaSettings({ brokers: ['kafka.internal:9092'], topic: 'events.dead-letter' }, allowed, resolved))).toEqual([
      'kafka.topic',
    ]);
    expect(fields(checkKafkaSettings({ brokers: ['public.example:9092'], topic: '__consumer_offsets' }, own, resolved))).toEqual([
      'kafka.topic',
    ]);
    expect(check(['kafka.internal:9092'], 'eventsx.invoice', allowed)).toEqual([]);
  });
});
