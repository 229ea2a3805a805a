import { createRandom } from './random.js';
import { billingStory } from './stories/billing.js';
import { catalogStory } from './stories/catalog.js';
import { crmStory } from './stories/crm.js';
import { iotStory } from './stories/iot.js';
import type { Step, Story, StoryKit } from './story-kit.js';
import type { DemoDomain, DemoOrganization, PlannedEvent } from './types.js';

/**
 * The demo's event plan: pure (no I/O), reproducible from a seed and the clock's readings. It
 * runs many lifecycles ("stories", see story-kit.ts) per organization at once and yields their
 * events one at a time in time order: the earliest step that is due, or when none is due yet a
 * new story's first event. So a slow consumer of the plan sees lifecycles at their natural pace,
 * and a fast one (a high --rate) sees more of them side by side; once `maxStories` are running,
 * the earliest step comes early instead of starting another.
 *
 * Every event's `occurred_at` is the clock's reading when it was planned, raised to 1 ms past
 * the previous event's when the clock has not moved, so times strictly increase over the plan.
 */
export interface DemoPlanOptions {
  readonly seed: number;
  readonly organizations: readonly DemoOrganization[];
  /** ms since the epoch, read once per event. @defaultValue Date.now */
  readonly clock?: () => number;
  /** Most stories running at once, per organization. @defaultValue 40 */
  readonly storiesPerOrganization?: number;
}

/** How often each kind of story starts (billing stories also start invoice stories). */
const domainWeights: readonly (readonly [DemoDomain, number])[] = [
  ['billing', 3],
  ['crm', 2.5],
  ['iot', 2.5],
  ['catalog', 2],
];

const storiesOf: Record<DemoDomain, (kit: StoryKit) => Story> = {
  billing: billingStory,
  crm: crmStory,
  iot: iotStory,
  catalog: catalogStory,
};

interface Running {
  readonly due: number;
  readonly order: number;
  readonly step: Step;
  readonly story: Story;
  readonly domain: DemoDomain;
  readonly organization: DemoOrganization;
}

const idAlphabet = '0123456789abcdefghjkmnpqrstvwxyz';

export function* planDemoEvents(options: DemoPlanOptions): Generator<PlannedEvent, never, void> {
  const { organizations } = options;
  if (organizations.length === 0) throw new RangeError('the demo needs at least one organization');
  const clock = options.clock ?? Date.now;
  const started = clock();
  const random = createRandom(options.seed);
  // Ids also depend on the start time: a second run with the same seed makes new entities.
  const idRandom = random.fork(`ids@${started}`);
  const issued = new Set<string>();
  const newId = (prefix: string): string => {
    for (;;) {
      const id = `${prefix}_${idRandom.chars(16, idAlphabet)}`;
      if (!issued.has(id)) {
        issued.add(id);
        return id;
      }
    }
  };
  const queue = createQueue();
  const maxStories = organizations.length * (options.storiesPerOrganization ?? 40);
  let order = 0;
  let current = started;
  let last = -Infinity;
  let turn = 0;

  const counters = new Map<string, number>();
  const kits = new Map<string, StoryKit>();
  const kitOf = (organization: DemoOrganization, domain: DemoDomain): StoryKit => {
    let kit = kits.get(`${organization.id} ${domain}`);
    if (kit === undefined) {
      kit = createKit(organization, domain);
      kits.set(`${organization.id} ${domain}`, kit);
    }
    return kit;
  };
  const createKit = (organization: DemoOrganization, domain: DemoDomain): StoryKit => ({
    organization,
    random,
    id: newId,
    sequence(name) {
      const key = `${organization.id} ${name}`;
      const next = (counters.get(key) ?? 0) + 1;
      counters.set(key, next);
      return next;
    },
    spawn(story, delayMs) {
      const first = story.next();
      if (!first.done) queue.push({ due: current + delayMs, order: order++, step: first.value, story, domain, organization });
    },
    seconds: (min, max) => random.int(min * 1000, max * 1000),
  });

  const startStory = (now: number): Running => {
    for (;;) {
      const organization = organizations[turn++ % organizations.length] as DemoOrganization;
      const domain = random.weighted(domainWeights);
      const story = storiesOf[domain](kitOf(organization, domain));
      const first = story.next();
      if (!first.done) return { due: now, order: order++, step: first.value, story, domain, organization };
    }
  };

  for (;;) {
    const now = clock();
    const earliest = queue.peek();
    let running: Running;
    if (earliest !== undefined && (earliest.due <= now || queue.size() >= maxStories)) {
      running = earliest;
      queue.pop();
    } else {
      running = startStory(now);
    }
    const at = Math.max(now, last + 1);
    last = at;
    current = at;
    const draft = running.step.build(at);
    const following = running.story.next();
    if (!following.done) queue.push({ ...running, due: at + following.value.delayMs, order: order++, step: following.value });
    yield {
      type: draft.type,
      domain: running.domain,
      organization_id: running.organization.id,
      entity_id: draft.entityId,
      occurred_at: at,
      data: draft.data,
      previous_attributes: draft.previous,
      ...(draft.severity === undefined ? {} : { severity: draft.severity }),
      actor: draft.actor ?? null,
      request_id: draft.actor ? newId('req') : null,
    };
  }
}

/** A binary min-heap of running stories by (due, order): order keeps equal times first-come. */
function createQueue() {
  const items: Running[] = [];
  const before = (a: Running, b: Running) => a.due < b.due || (a.due === b.due && a.order < b.order);
  const swap = (i: number, j: number) => {
    const item = items[i] as Running;
    items[i] = items[j] as Running;
    items[j] = item;
  };
  return {
    size: () => items.length,
    peek: (): Running | undefined => items[0],
    push(item: Running) {
      items.push(item);
      let i = items.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!before(items[i] as Running, items[parent] as Running)) break;
        swap(i, parent);
        i = parent;
      }
    },
    pop() {
      const last = items.pop();
      if (last === undefined || items.length === 0) return;
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && before(items[left] as Running, items[smallest] as Running)) smallest = left;
        if (right < items.length && before(items[right] as Running, items[smallest] as Running)) smallest = right;
        if (smallest === i) return;
        swap(i, smallest);
        i = smallest;
      }
    },
  };
}
