import type { BrokerMessage } from '../../destinations/broker-message.js';

/** Messages as a broker sender gets them, to `address`, one per delivery id: a small event, its CloudEvents id and type. */
export function testMessages(address: string, ...ids: string[]): BrokerMessage[] {
  return ids.map((deliveryId, index) => ({
    id: deliveryId,
    address,
    body: Buffer.from(JSON.stringify({ id: `evt_${index}`, type: 'invoice.paid' })),
    contentType: 'application/json',
    headers: { ce_id: `evt_${index}`, ce_type: 'invoice.paid', 'evp-delivery-id': deliveryId },
  }));
}
