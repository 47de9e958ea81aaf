// The one deterministic, seeded call generator: demo data, tests, benchmarks and the simulator use it.

export { type GeneratedCall, type GenerateOptions, generateCalls, generateNumberCalls } from './calls.js';
export { type LocalClock, localClock } from './clock.js';
export { isOpen, OPENING_HOURS, type OpeningHours } from './hours.js';
export { createRng, hashSeed, type Rng } from './rng.js';
export {
  benchTopology,
  demoTopology,
  type Topology,
  type TopologyAgent,
  type TopologyNumber,
  type TopologyOrg,
} from './topology.js';
