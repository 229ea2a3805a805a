import { digits, luhnDigit } from '../names.js';
import { createEntity, day, hour, iso, step, type Entity, type Story, type StoryKit } from '../story-kit.js';

/**
 * A connected device: sim.registered → sim.activated → sim.assigned (attached to the device) →
 * endpoint.enabled → endpoint.data_quota_assigned, a few data sessions
 * (sim.pdp_context_created / sim.pdp_context_deleted with the volumes), then
 * endpoint.data_quota_threshold_reached (warn) and usually endpoint.data_quota_exhausted:
 * critical when the quota blocks the device (then endpoint.blocked, sometimes sim.suspended),
 * warn when it only throttles (then sometimes a new endpoint.data_quota_assigned). Some SIMs are
 * released from their device at the end (sim.released).
 */
interface Operator {
  readonly name: string;
  readonly country: string;
  readonly mcc: string;
  readonly mnc: string;
}

const operators: readonly Operator[] = [
  { name: 'Telekom.de', country: 'DE', mcc: '262', mnc: '01' },
  { name: 'Vodafone.de', country: 'DE', mcc: '262', mnc: '02' },
  { name: 'AT&T', country: 'US', mcc: '310', mnc: '410' },
  { name: 'T-Mobile US', country: 'US', mcc: '310', mnc: '260' },
  { name: 'EE', country: 'GB', mcc: '234', mnc: '30' },
  { name: 'Vodafone UK', country: 'GB', mcc: '234', mnc: '15' },
  { name: 'Orange F', country: 'FR', mcc: '208', mnc: '01' },
  { name: 'SFR', country: 'FR', mcc: '208', mnc: '10' },
  { name: 'KPN', country: 'NL', mcc: '204', mnc: '08' },
  { name: 'Vodafone IE', country: 'IE', mcc: '272', mnc: '01' },
];

const devices = [
  ['Cold-chain tracker', 'CT', 'logistics'],
  ['Smart meter', 'SM', 'utilities'],
  ['Fleet gateway', 'FG', 'fleet'],
  ['Parking sensor', 'PS', 'smart-city'],
  ['Vending controller', 'VC', 'retail'],
  ['Air-quality monitor', 'AQ', 'smart-city'],
] as const;

/** Country calling code of the SIM's home network, for its ICCID and MSISDN. */
const callingCodes: Record<string, string> = { DE: '49', US: '1', GB: '44', FR: '33', NL: '31', IE: '353' };

export function* iotStory(kit: StoryKit): Story {
  const { organization: org, random } = kit;
  const home = operators.filter((operator) => operator.country === org.country);
  const homeOperator = random.pick(home.length > 0 ? home : operators);
  const callingCode = callingCodes[homeOperator.country] ?? '49';
  const iccidBody = `89${callingCode.padStart(2, '0').slice(-2)}${digits(random, 14)}`;
  const [kind, kindCode, segment] = random.pick(devices);
  const ip = `10.${random.int(16, 31)}.${random.int(0, 255)}.${random.int(2, 254)}`;

  const sim = createEntity(kit.id('sim'));
  yield step(0, (at) =>
    sim.create('sim.registered', {
      id: sim.id,
      object: 'sim',
      organization_id: org.id,
      iccid: `${iccidBody}${luhnDigit(iccidBody)}`,
      msisdn: `${callingCode}${digits(random, 10)}`,
      imsi: `${homeOperator.mcc}${homeOperator.mnc}${digits(random, 15 - homeOperator.mcc.length - homeOperator.mnc.length)}`,
      status: 'issued',
      endpoint_id: null,
      operator_name: null,
      country_iso: null,
      mcc: null,
      mnc: null,
      rat_type: null,
      apn: null,
      ue_ip_address: null,
      volume_rx_mb: null,
      volume_tx_mb: null,
      batch_id: `BIC-${org.code}-${String(kit.sequence('sim-batch')).padStart(4, '0')}`,
      created_at: iso(at),
      updated_at: null,
      metadata: {},
    }),
  );
  const operatorUser = random.pick(org.users);
  yield step(kit.seconds(3, 15), (at) => sim.update('sim.activated', at, { status: 'activated' }, { actor: operatorUser }));

  const endpoint = createEntity(kit.id('ep'));
  yield step(kit.seconds(2, 10), (at) => sim.update('sim.assigned', at, { endpoint_id: endpoint.id }, { actor: operatorUser }));
  const imeiBody = `35${digits(random, 12)}`;
  yield step(kit.seconds(1, 5), (at) =>
    endpoint.appear(
      'endpoint.enabled',
      {
        id: endpoint.id,
        object: 'endpoint',
        organization_id: org.id,
        name: `${kind} ${kindCode}-${String(random.int(1, 9999)).padStart(4, '0')}`,
        status: 'enabled',
        sim_id: sim.id,
        imei: `${imeiBody}${luhnDigit(imeiBody)}`,
        ip_address: ip,
        service_profile_id: `sp_${segment.replaceAll('-', '_')}`,
        tags: [segment, homeOperator.country.toLowerCase()],
        data_quota_status: null,
        data_quota_volume_mb: null,
        data_quota_remaining_mb: null,
        sms_quota_status: null,
        sms_quota_remaining: null,
        threshold_percentage: null,
        last_seen_at: null,
        created_at: iso(at - random.int(1, 72) * hour),
        updated_at: iso(at),
        metadata: {},
      },
      // The device was made (disabled) in the platform before the demo started watching it.
      { status: 'disabled' },
      { actor: operatorUser },
    ),
  );

  let quotas = 0;
  while (quotas++ < 2) {
    const volume = random.pick([250, 500, 1024, 2048]);
    const threshold = random.pick([80, 90]);
    const action = random.chance(0.5) ? 'block' : 'throttle';
    yield step(kit.seconds(2, 10), (at) =>
      endpoint.update(
        'endpoint.data_quota_assigned',
        at,
        {
          data_quota_status: 'active',
          data_quota_volume_mb: volume,
          data_quota_remaining_mb: volume,
          threshold_percentage: threshold,
          metadata: { exhaustion_action: action, quota_expires_at: iso(at + 30 * day) },
        },
        { actor: operatorUser },
      ),
    );

    // Sessions until the threshold is crossed.
    let used = 0;
    const sessions = random.int(1, 3);
    for (let session = 1; session <= sessions; session++) {
      const target = (volume * threshold) / 100 + random.int(1, 10);
      const usage = session === sessions ? target - used : round1(((target - used) * random.int(20, 60)) / 100);
      used = round1(used + usage);
      yield* dataSession(kit, sim, homeOperator, ip, usage);
    }
    yield step(kit.seconds(1, 4), (at) =>
      endpoint.update('endpoint.data_quota_threshold_reached', at, {
        data_quota_remaining_mb: round1(volume - used),
        last_seen_at: iso(at),
      }),
    );
    if (random.chance(0.35)) break;

    yield* dataSession(kit, sim, homeOperator, ip, round1(volume - used));
    yield step(kit.seconds(1, 4), (at) =>
      endpoint.update(
        'endpoint.data_quota_exhausted',
        at,
        { data_quota_status: 'exhausted', data_quota_remaining_mb: 0, last_seen_at: iso(at) },
        { severity: action === 'block' ? 'critical' : 'warn' },
      ),
    );
    if (action === 'block') {
      yield step(kit.seconds(1, 3), (at) => endpoint.update('endpoint.blocked', at, { status: 'blocked' }));
      if (random.chance(0.5)) {
        yield step(kit.seconds(10, 40), (at) => sim.update('sim.suspended', at, { status: 'suspended' }, { actor: operatorUser }));
      }
      break;
    }
    // Throttled: sometimes the customer buys another quota.
    if (!random.chance(0.5)) break;
  }
  if (random.chance(0.3)) {
    yield step(kit.seconds(10, 60), (at) => sim.update('sim.released', at, { endpoint_id: null }, { actor: operatorUser }));
  }
}

/** One data session of the SIM: its PDP context created, then deleted with the volumes moved. */
function* dataSession(kit: StoryKit, sim: Entity, homeOperator: Operator, ip: string, megabytes: number): Story {
  const { random } = kit;
  const roaming = random.chance(0.2);
  const operator = roaming ? random.pick(operators.filter((o) => o.country !== homeOperator.country)) : homeOperator;
  yield step(kit.seconds(2, 12), (at) =>
    sim.update('sim.pdp_context_created', at, {
      operator_name: operator.name,
      country_iso: operator.country,
      mcc: operator.mcc,
      mnc: operator.mnc,
      rat_type: random.pick(['4G', 'LTE-M', 'NB-IoT', '5G NSA']),
      apn: 'iot.demo',
      ue_ip_address: ip,
      volume_rx_mb: null,
      volume_tx_mb: null,
    }),
  );
  const received = round1((megabytes * random.int(55, 90)) / 100);
  yield step(kit.seconds(3, 20), (at) =>
    sim.update('sim.pdp_context_deleted', at, { volume_rx_mb: received, volume_tx_mb: round1(megabytes - received) }),
  );
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
