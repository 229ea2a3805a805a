import { companies, person, slug } from '../names.js';
import { createEntity, day, iso, isoDate, step, type Story, type StoryKit } from '../story-kit.js';

/**
 * A sales deal: crm.deal.created at `lead`, then crm.deal.stage_updated through `qualified`,
 * `proposal` and `negotiation` to `won` or `lost` (a deal can be lost at any stage), with now and
 * then a crm.deal.updated (a discount, a later close date, a new owner) on the way.
 */
const openStages = ['qualified', 'proposal', 'negotiation'] as const;
const topics = ['Annual licence', 'Platform expansion', 'Pilot project', 'Premium support', 'Data migration', 'Multi-year renewal'];

export function* crmStory(kit: StoryKit): Story {
  const { organization: org, random } = kit;
  const company = random.pick(companies);
  let owner = random.pick(org.users);
  const deal = createEntity(kit.id('deal'));
  yield step(0, (at) =>
    deal.create(
      'crm.deal.created',
      {
        id: deal.id,
        object: 'crm.deal',
        organization_id: org.id,
        name: `${company} – ${random.pick(topics)}`,
        company_id: `cmp_${slug(company).replaceAll('-', '_')}`,
        contact_id: kit.id('con'),
        owner_id: owner,
        pipeline: random.chance(0.3) ? 'enterprise' : 'default',
        stage: 'lead',
        amount: random.int(8, 240) * 25_000,
        currency: org.currency,
        expected_close_date: isoDate(at + random.int(30, 120) * day),
        closed_at: null,
        created_at: iso(at),
        updated_at: null,
        metadata: { source: random.pick(['inbound', 'outbound', 'partner', 'event']), contact_email: person(random, company).email },
      },
      { actor: owner },
    ),
  );

  for (const stage of openStages) {
    if (random.chance(0.15)) {
      yield step(kit.seconds(10, 40), (at) => close(at, 'lost'));
      return;
    }
    yield step(kit.seconds(10, 40), (at) => deal.update('crm.deal.stage_updated', at, { stage }, { actor: owner }));
    if (stage !== 'qualified' && random.chance(0.3)) {
      const change = random.pick(['discount', 'delay', 'handover'] as const);
      yield step(kit.seconds(5, 20), (at) => {
        if (change === 'handover') {
          const previousOwner = owner;
          owner = random.pick(org.users.filter((user) => user !== previousOwner));
          return deal.update('crm.deal.updated', at, { owner_id: owner }, { actor: previousOwner });
        }
        if (change === 'delay') {
          return deal.update('crm.deal.updated', at, { expected_close_date: isoDate(at + random.int(45, 150) * day) }, { actor: owner });
        }
        const amount = deal.data['amount'] as number;
        return deal.update('crm.deal.updated', at, { amount: Math.round((amount * random.int(85, 95)) / 10_000) * 100 }, { actor: owner });
      });
    }
  }
  yield step(kit.seconds(15, 60), (at) => close(at, random.chance(0.65) ? 'won' : 'lost'));

  function close(at: number, stage: 'won' | 'lost') {
    return deal.update('crm.deal.stage_updated', at, { stage, closed_at: iso(at) }, { actor: owner });
  }
}
