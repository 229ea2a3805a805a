import { person } from '../names.js';
import { addMonths, createEntity, day, iso, isoDate, step, type Entity, type Story, type StoryKit } from '../story-kit.js';

/**
 * A billing customer's life: customer.created → subscription.created → subscription.trialing →
 * subscription.activated, then one to three monthly cycles of transaction.created →
 * transaction.billed → transaction.paid → transaction.completed (a renewal moves the
 * subscription's period with subscription.updated). One cycle in seven the card is declined:
 * transaction.payment_failed (critical) → transaction.past_due → subscription.past_due (warn),
 * then either paid after all (subscription.updated back to active) or transaction.canceled and
 * subscription.canceled. Half the customers also get a one-off invoice (invoice.created →
 * [invoice.approved] → invoice.sent → invoice.paid | invoice.cancelled).
 */
const plans = [
  { name: 'Starter', unitAmount: 1_900, seats: [1, 1] },
  { name: 'Team', unitAmount: 900, seats: [3, 25] },
  { name: 'Business', unitAmount: 2_900, seats: [10, 80] },
] as const;

export function* billingStory(kit: StoryKit): Story {
  const { organization: org, random } = kit;
  const who = person(random);
  const customer = createEntity(kit.id('cus'));
  yield step(0, (at) =>
    customer.create('customer.created', {
      id: customer.id,
      object: 'customer',
      organization_id: org.id,
      name: who.name,
      email: who.email,
      status: 'active',
      locale: org.locale,
      marketing_consent: random.chance(0.4),
      created_at: iso(at),
      updated_at: null,
      metadata: { signup_source: random.pick(['website', 'sales', 'partner', 'app_store']) },
    }),
  );
  if (random.chance(0.5)) kit.spawn(invoiceStory(kit, customer.id), kit.seconds(5, 60));

  const plan = random.pick(plans);
  let seats = random.int(plan.seats[0], plan.seats[1]);
  const addressId = kit.id('add');
  const subscription = createEntity(kit.id('sub'));
  yield step(kit.seconds(2, 8), (at) =>
    subscription.create('subscription.created', {
      id: subscription.id,
      transaction_id: null,
      status: 'trialing',
      customer_id: customer.id,
      address_id: addressId,
      business_id: null,
      currency_code: org.currency,
      collection_mode: 'automatic',
      created_at: iso(at),
      updated_at: iso(at),
      started_at: null,
      first_billed_at: null,
      next_billed_at: null,
      paused_at: null,
      canceled_at: null,
      current_billing_period_ends_at: null,
      billing_cycle_interval: 'month',
      billing_cycle_frequency: 1,
      scheduled_change_action: null,
      custom_data: JSON.stringify({ plan: plan.name, seats }),
    }),
  );
  yield step(kit.seconds(1, 3), (at) =>
    subscription.update('subscription.trialing', at, {
      started_at: iso(at),
      next_billed_at: iso(at + 14 * day),
      current_billing_period_ends_at: iso(at + 14 * day),
    }),
  );
  if (random.chance(0.2)) {
    const changed = person(random);
    yield step(kit.seconds(3, 20), (at) => customer.update('customer.updated', at, { email: changed.email }));
  }
  // The customer converts before the trial ends: billed now, monthly from now on.
  yield step(kit.seconds(10, 40), (at) =>
    subscription.update('subscription.activated', at, {
      status: 'active',
      first_billed_at: iso(at),
      next_billed_at: iso(addMonths(at, 1)),
      current_billing_period_ends_at: iso(addMonths(at, 1)),
    }),
  );

  const cycles = random.int(1, 3);
  for (let cycle = 0; cycle < cycles; cycle++) {
    const subtotal = plan.unitAmount * seats;
    const total = subtotal + Math.round((subtotal * org.taxPercent) / 100);
    const transaction = createEntity(kit.id('txn'));
    yield step(cycle === 0 ? kit.seconds(1, 3) : kit.seconds(30, 90), (at) =>
      transaction.create('transaction.created', {
        id: transaction.id,
        status: 'ready',
        customer_id: customer.id,
        address_id: addressId,
        business_id: null,
        currency_code: org.currency,
        origin: 'subscription_recurring',
        subscription_id: subscription.id,
        invoice_number: null,
        collection_mode: 'automatic',
        discount_id: null,
        billing_period_starts_at: iso(at),
        billing_period_ends_at: iso(addMonths(at, 1)),
        details_totals_subtotal: String(subtotal),
        details_totals_grand_total: String(total),
        created_at: iso(at),
        updated_at: iso(at),
        billed_at: null,
        revised_at: null,
        custom_data: null,
      }),
    );
    yield step(kit.seconds(1, 4), (at) =>
      transaction.update('transaction.billed', at, {
        status: 'billed',
        billed_at: iso(at),
        invoice_number: `${org.code}-${iso(at).slice(0, 4)}-${String(kit.sequence('receipt')).padStart(6, '0')}`,
      }),
    );

    if (random.chance(0.15)) {
      // The card is declined: the transaction goes past due, and the subscription with it.
      yield step(kit.seconds(2, 6), (at) =>
        transaction.update('transaction.payment_failed', at, {
          custom_data: JSON.stringify({ last_payment_error: random.pick(['card_declined', 'insufficient_funds', 'expired_card']) }),
        }),
      );
      yield step(kit.seconds(1, 3), (at) => transaction.update('transaction.past_due', at, { status: 'past_due' }));
      yield step(kit.seconds(1, 3), (at) => subscription.update('subscription.past_due', at, { status: 'past_due' }));
      if (random.chance(0.6)) {
        // The customer updates the card and the retry succeeds.
        yield step(kit.seconds(20, 60), (at) => transaction.update('transaction.paid', at, { status: 'paid' }));
        yield step(kit.seconds(1, 3), (at) => transaction.update('transaction.completed', at, { status: 'completed' }));
        yield step(kit.seconds(1, 3), (at) => renew(subscription, at, { status: 'active' }));
        continue;
      }
      yield step(kit.seconds(30, 90), (at) => transaction.update('transaction.canceled', at, { status: 'canceled' }));
      yield step(kit.seconds(1, 3), (at) => cancel(subscription, at));
      return;
    }
    yield step(kit.seconds(2, 8), (at) => transaction.update('transaction.paid', at, { status: 'paid' }));
    yield step(kit.seconds(1, 3), (at) => transaction.update('transaction.completed', at, { status: 'completed' }));
    if (cycle > 0) yield step(kit.seconds(1, 3), (at) => renew(subscription, at));
  }

  if (random.chance(0.25)) {
    seats += random.int(1, 5);
    yield step(kit.seconds(10, 40), (at) =>
      subscription.update('subscription.updated', at, { custom_data: JSON.stringify({ plan: plan.name, seats }) }),
    );
  }
  if (random.chance(0.2)) {
    yield step(kit.seconds(10, 40), (at) => subscription.update('subscription.updated', at, { scheduled_change_action: 'cancel' }));
    yield step(kit.seconds(20, 60), (at) => cancel(subscription, at));
  }
}

/** A new monthly period starting now. */
function renew(subscription: Entity, at: number, changes: Record<string, unknown> = {}) {
  return subscription.update('subscription.updated', at, {
    ...changes,
    next_billed_at: iso(addMonths(at, 1)),
    current_billing_period_ends_at: iso(addMonths(at, 1)),
  });
}

function cancel(subscription: Entity, at: number) {
  return subscription.update('subscription.canceled', at, {
    status: 'canceled',
    canceled_at: iso(at),
    next_billed_at: null,
    current_billing_period_ends_at: null,
    scheduled_change_action: null,
  });
}

const services = [
  ['Onboarding workshop', 120_000, 300_000],
  ['Data migration', 250_000, 900_000],
  ['Custom integration', 400_000, 1_500_000],
  ['Consulting hours', 15_000, 120_000],
] as const;

/** A one-off invoice for professional services: created → [approved] → sent → paid | cancelled. */
export function* invoiceStory(kit: StoryKit, customerId: string): Story {
  const { organization: org, random } = kit;
  const [service, min, max] = random.pick(services);
  const subtotal = Math.round(random.int(min, max) / 100) * 100;
  const tax = Math.round((subtotal * org.taxPercent) / 100);
  const clerk = random.pick(org.users);
  const invoice = createEntity(kit.id('inv'));
  yield step(0, (at) =>
    invoice.create(
      'invoice.created',
      {
        id: invoice.id,
        object: 'invoice',
        organization_id: org.id,
        customer_id: customerId,
        number: `INV-${org.code}-${String(kit.sequence('invoice')).padStart(5, '0')}`,
        status: 'draft',
        currency: org.currency,
        subtotal_amount: subtotal,
        tax_amount: tax,
        total_amount: subtotal + tax,
        due_date: isoDate(at + 30 * day),
        sent_at: null,
        paid_at: null,
        created_at: iso(at),
        updated_at: null,
        metadata: { service },
      },
      { actor: clerk },
    ),
  );
  if (random.chance(0.5)) {
    yield step(kit.seconds(5, 30), (at) =>
      invoice.update('invoice.approved', at, { status: 'approved' }, { actor: random.pick(org.users) }),
    );
  }
  yield step(kit.seconds(5, 30), (at) => invoice.update('invoice.sent', at, { status: 'sent', sent_at: iso(at) }, { actor: clerk }));
  if (random.chance(0.8)) {
    yield step(kit.seconds(20, 90), (at) => invoice.update('invoice.paid', at, { status: 'paid', paid_at: iso(at) }));
  } else {
    yield step(kit.seconds(30, 90), (at) => invoice.update('invoice.cancelled', at, { status: 'cancelled' }, { actor: clerk }));
  }
}
