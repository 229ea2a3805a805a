export { runDemo, type DemoContext, type DemoSummary } from './demo.js';
export { demoDefaults, parseDuration, parseInteger, parsePort, parseRate, type DemoOptions } from './options.js';
export { demoOrganizations } from './organizations.js';
export { planDemoEvents, type DemoPlanOptions } from './planner.js';
export { startDemoReceiver, type DemoReceiver, type DemoReceiverOptions } from './receiver.js';
export { demoDestinationDescription, ensureDemoDestinations } from './demo-destinations.js';
export { demoDomains, demoEntities, type DemoDomain, type DemoOrganization, type PlannedEvent } from './types.js';
