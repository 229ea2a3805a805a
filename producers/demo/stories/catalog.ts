import { digits, eanDigit, slug } from '../names.js';
import { createEntity, iso, step, type Story, type StoryKit } from '../story-kit.js';

/**
 * The product catalogue, in two shapes:
 * - billing products: product.created with its monthly price (price.created), then renames,
 *   description changes and price changes (product.updated, price.updated, each with the
 *   previous values), and sometimes both archived at the end;
 * - PIM articles: pim.sku.created with localised attribute values, then pim.sku.updated as the
 *   ERP changes the price or the stock and people translate and rewrite (previous values of the
 *   changed attributes only), and now and then a save that changes nothing (pim.sku.unchanged).
 */
const products = [
  ['Analytics add-on', 'Usage dashboards and exports for every workspace.', 'saas', 1_500],
  ['Priority support', 'Around-the-clock support with a one-hour response time.', 'professional_services', 29_900],
  ['Extra storage (1 TB)', 'One more terabyte of object storage.', 'website_hosting', 2_000],
  ['SSO add-on', 'SAML and OIDC single sign-on for your identity provider.', 'saas', 4_900],
  ['API calls pack (1M)', 'One million more API calls each month.', 'saas', 9_900],
  ['Audit log retention', 'Keeps audit logs for seven years.', 'saas', 3_900],
] as const;

export function* catalogStory(kit: StoryKit): Story {
  if (kit.random.chance(0.5)) yield* productStory(kit);
  else yield* skuStory(kit);
}

function* productStory(kit: StoryKit): Story {
  const { organization: org, random } = kit;
  const [name, description, taxCategory, amount] = random.pick(products);
  const product = createEntity(kit.id('pro'));
  const price = createEntity(kit.id('pri'));
  const manager = random.pick(org.users);
  yield step(0, (at) =>
    product.create(
      'product.created',
      {
        id: product.id,
        name,
        description,
        type: 'standard',
        tax_category: taxCategory,
        image_url: `https://cdn.example.com/${org.id}/products/${slug(name)}.png`,
        status: 'active',
        created_at: iso(at),
        updated_at: null,
        custom_data: null,
      },
      { actor: manager },
    ),
  );
  yield step(kit.seconds(1, 5), (at) =>
    price.create(
      'price.created',
      {
        id: price.id,
        product_id: product.id,
        description: 'Monthly',
        type: 'standard',
        name: `${name}, monthly`,
        billing_cycle_interval: 'month',
        billing_cycle_frequency: 1,
        trial_period_interval: null,
        trial_period_frequency: null,
        tax_mode: 'account_setting',
        unit_price_amount: String(amount),
        unit_price_currency_code: org.currency,
        quantity_minimum: 1,
        quantity_maximum: 100,
        status: 'active',
        created_at: iso(at),
        updated_at: null,
        custom_data: null,
      },
      { actor: manager },
    ),
  );

  const changes = random.int(1, 3);
  for (let change = 0; change < changes; change++) {
    const what = random.pick(['rename', 'describe', 'reprice', 'reprice'] as const);
    if (what === 'reprice') {
      yield step(kit.seconds(20, 90), (at) => {
        const current = Number(price.data['unit_price_amount']);
        const next = Math.round((current * random.int(105, 125)) / 10_000) * 100 - 1;
        return price.update('price.updated', at, { unit_price_amount: String(Math.max(next, current + 99)) }, { actor: manager });
      });
    } else if (what === 'rename') {
      yield step(kit.seconds(20, 90), (at) => {
        const renamed = `${String(product.data['name']).replace(/ (Plus|Pro)$/, '')} ${random.pick(['Plus', 'Pro'])}`;
        return product.update('product.updated', at, { name: renamed }, { actor: manager });
      });
    } else {
      yield step(kit.seconds(20, 90), (at) =>
        product.update(
          'product.updated',
          at,
          { description: `${description} ${random.pick(['Now with SLA.', 'Billed monthly.', 'Cancel anytime.'])}` },
          { actor: manager },
        ),
      );
    }
  }
  if (random.chance(0.25)) {
    yield step(kit.seconds(30, 90), (at) => product.update('product.updated', at, { status: 'archived' }, { actor: manager }));
    yield step(kit.seconds(1, 3), (at) => price.update('price.updated', at, { status: 'archived' }, { actor: manager }));
  }
}

const articles = [
  ['TSH', 'Organic cotton T-shirt', 'Bio-Baumwoll-T-Shirt', 'T-shirt en coton bio', 'A heavyweight tee in organic cotton.', 2_490],
  ['HOD', 'Recycled fleece hoodie', 'Hoodie aus recyceltem Fleece', 'Sweat à capuche en polaire recyclée', 'Warm and soft.', 5_990],
  ['BTL', 'Insulated bottle 750 ml', 'Isolierflasche 750 ml', 'Gourde isotherme 750 ml', 'Keeps drinks cold for 24 hours.', 2_990],
  ['BAG', 'Canvas tote bag', 'Canvas-Tragetasche', 'Tote bag en toile', 'Holds 15 kg of groceries.', 1_490],
  ['CAP', 'Six-panel cap', 'Six-Panel-Kappe', 'Casquette six panneaux', 'Adjustable, one size.', 1_990],
] as const;
const colours = [
  ['black', 'BLK'],
  ['navy', 'NVY'],
  ['sand', 'SND'],
  ['forest green', 'GRN'],
] as const;
const stockLevels = ['in_stock', 'low_stock', 'out_of_stock', 'in_stock'] as const;

type AttributeValue = { readonly value: string; readonly locale: string | null; readonly source: string | null };
type Attributes = Readonly<Record<string, readonly AttributeValue[]>>;

function* skuStory(kit: StoryKit): Story {
  const { organization: org, random } = kit;
  const [code, english, german, french, description, cents] = random.pick(articles);
  const [colour, colourCode] = random.pick(colours);
  const size = code === 'TSH' || code === 'HOD' ? random.pick(['S', 'M', 'L', 'XL']) : 'one size';
  const eanBody = `40${digits(random, 10)}`;
  const editor = random.pick(org.users);
  const sku = createEntity(kit.id('sku'));
  const number = String(kit.sequence('sku')).padStart(4, '0');
  const attributes: Attributes = {
    name: [
      { value: english, locale: 'en', source: 'import' },
      { value: german, locale: 'de', source: 'import' },
    ],
    description: [{ value: description, locale: 'en', source: 'import' }],
    colour: [{ value: colour, locale: null, source: 'supplier feed' }],
    size: [{ value: size, locale: null, source: 'supplier feed' }],
    ean: [{ value: `${eanBody}${eanDigit(eanBody)}`, locale: null, source: 'supplier feed' }],
    price: [{ value: (cents / 100).toFixed(2), locale: null, source: 'erp' }],
    currency: [{ value: org.currency, locale: null, source: 'erp' }],
    stock_status: [{ value: 'in_stock', locale: null, source: 'erp' }],
  };
  yield step(0, (at) =>
    sku.create('pim.sku.created', {
      id: sku.id,
      object: 'pim.sku',
      organization_id: org.id,
      sku: `${org.code}-${code}-${number}-${colourCode}${size === 'one size' ? '' : `-${size}`}`,
      client_id: `${org.id.slice('org_'.length)}-pim`,
      attributes,
      created_by: editor,
      created_service: 'pim-import',
      modified_by: null,
      modified_service: null,
      created_at: iso(at),
      updated_at: null,
      metadata: {},
    }),
  );

  let stock = 0;
  const changes = random.int(1, 4);
  for (let change = 0; change < changes; change++) {
    const what = random.pick(['price', 'stock', 'translate', 'rewrite', 'save'] as const);
    yield step(kit.seconds(15, 75), (at) => {
      const current = sku.data['attributes'] as Attributes;
      const set = (name: string, values: AttributeValue[], by: string, service: string) =>
        sku.update('pim.sku.updated', at, { attributes: { ...current, [name]: values }, modified_by: by, modified_service: service });
      if (what === 'price') {
        const value = Number(current['price']?.[0]?.value ?? '0');
        return set(
          'price',
          [{ value: (value * (1 + random.int(3, 15) / 100)).toFixed(2), locale: null, source: 'erp' }],
          'svc_erp',
          'erp-sync',
        );
      }
      if (what === 'stock') {
        stock = (stock + 1) % stockLevels.length;
        return set('stock_status', [{ value: stockLevels[stock] as string, locale: null, source: 'erp' }], 'svc_erp', 'erp-sync');
      }
      if (what === 'translate') {
        const names = (current['name'] ?? []).filter((entry) => entry.locale !== 'fr');
        return set('name', [...names, { value: french, locale: 'fr', source: 'user' }], editor, 'pim-ui');
      }
      if (what === 'rewrite') {
        const text = `${description} ${random.pick(['Machine washable.', 'Ships in recycled packaging.', 'Made in Portugal.'])}`;
        return set('description', [{ value: text, locale: 'en', source: 'user' }], editor, 'pim-ui');
      }
      return sku.unchanged('pim.sku.unchanged', { actor: editor });
    });
  }
}
