// Who exists in generated data: orgs, their agents and business numbers (one may serve several orgs).
import { createRng, hashSeed } from './rng.js';

export interface TopologyOrg {
  key: string;
  name: string;
  slug: string;
  timezone: string;
}

export interface TopologyAgent {
  extension: string;
  name: string;
  email: string;
  /** the org whose calls this agent answers */
  orgKey: string;
}

export interface TopologyNumber {
  e164: string;
  label: string;
  /** orgs the number is assigned to; the first one's time zone shapes its traffic */
  orgKeys: string[];
  /** mean calls per day (inbound + outbound) */
  callsPerDay: number;
  queue: string;
}

export interface Topology {
  orgs: TopologyOrg[];
  agents: TopologyAgent[];
  numbers: TopologyNumber[];
}

/** The demo: three orgs in three time zones, eight agents, six numbers, one shared by two orgs. */
export function demoTopology(): Topology {
  const orgs: TopologyOrg[] = [
    { key: 'harbor', name: 'Harbor Dental Group', slug: 'harbor-dental', timezone: 'America/New_York' },
    { key: 'thames', name: 'Thames Lettings', slug: 'thames-lettings', timezone: 'Europe/London' },
    { key: 'sunset', name: 'Sunset Plumbing', slug: 'sunset-plumbing', timezone: 'America/Los_Angeles' },
  ];
  const agents: TopologyAgent[] = [
    { extension: '101', name: 'Maya Chen', email: 'maya.chen@harbor.example', orgKey: 'harbor' },
    { extension: '102', name: 'Luis Ortega', email: 'luis.ortega@harbor.example', orgKey: 'harbor' },
    { extension: '103', name: 'Priya Nair', email: 'priya.nair@harbor.example', orgKey: 'harbor' },
    { extension: '104', name: 'Oliver Hughes', email: 'oliver.hughes@thames.example', orgKey: 'thames' },
    { extension: '105', name: 'Amelia Clarke', email: 'amelia.clarke@thames.example', orgKey: 'thames' },
    { extension: '106', name: 'Harry Patel', email: 'harry.patel@thames.example', orgKey: 'thames' },
    { extension: '107', name: 'Jordan Reyes', email: 'jordan.reyes@sunset.example', orgKey: 'sunset' },
    { extension: '108', name: 'Sam Whitaker', email: 'sam.whitaker@sunset.example', orgKey: 'sunset' },
  ];
  const numbers: TopologyNumber[] = [
    { e164: '+12125550141', label: 'Harbor main line', orgKeys: ['harbor'], callsPerDay: 70, queue: 'Front Desk' },
    { e164: '+12125550142', label: 'Harbor billing', orgKeys: ['harbor'], callsPerDay: 25, queue: 'Billing' },
    { e164: '+442079460311', label: 'Thames lettings', orgKeys: ['thames'], callsPerDay: 55, queue: 'Lettings' },
    { e164: '+442079460312', label: 'Thames maintenance', orgKeys: ['thames'], callsPerDay: 30, queue: 'Maintenance' },
    { e164: '+13105550177', label: 'Sunset service', orgKeys: ['sunset'], callsPerDay: 45, queue: 'Service' },
    {
      e164: '+18005550199',
      label: 'Shared after-hours line',
      orgKeys: ['harbor', 'sunset'],
      callsPerDay: 20,
      queue: 'After Hours',
    },
  ];
  return { orgs, agents, numbers };
}

const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'Europe/London',
  'Europe/Berlin',
  'Australia/Sydney',
];
const QUEUES = ['Sales', 'Support', 'Billing', 'Front Desk', 'Service', 'After Hours'];

/**
 * The benchmark scale: `orgCount` orgs, `numberCount` numbers (every 25th shared with the next org),
 * one large org holding `largestOrgShare` of the traffic, the rest spread evenly.
 */
export function benchTopology(
  options: {
    orgCount?: number;
    numberCount?: number;
    callsPerDayTotal?: number;
    largestOrgShare?: number;
    seed?: number;
  } = {},
): Topology {
  const orgCount = options.orgCount ?? 200;
  const numberCount = options.numberCount ?? 1000;
  const callsPerDayTotal = options.callsPerDayTotal ?? 5070;
  const largestShare = options.largestOrgShare ?? 0.15;
  const rng = createRng(hashSeed(options.seed ?? 7, 'bench-topology'));
  const orgs: TopologyOrg[] = [];
  for (let i = 0; i < orgCount; i++) {
    const n = String(i).padStart(3, '0');
    orgs.push({
      key: `org${n}`,
      name: `Bench Org ${n}`,
      slug: `bench-org-${n}`,
      timezone: ZONES[i % ZONES.length] ?? 'UTC',
    });
  }
  const agents: TopologyAgent[] = [];
  orgs.forEach((org, i) => {
    for (let a = 0; a < (i === 0 ? 40 : 4); a++) {
      const extension = String(1000 + agents.length);
      agents.push({ extension, name: `Agent ${extension}`, email: `agent${extension}@bench.example`, orgKey: org.key });
    }
  });
  // The largest org gets 40 numbers; the others share the rest round-robin.
  const largestNumbers = Math.min(40, numberCount);
  const numbers: TopologyNumber[] = [];
  const otherPerDay = (callsPerDayTotal * (1 - largestShare)) / Math.max(1, numberCount - largestNumbers);
  for (let i = 0; i < numberCount; i++) {
    const isLargest = i < largestNumbers;
    const orgIndex = isLargest ? 0 : 1 + ((i - largestNumbers) % (orgCount - 1));
    const orgKeys = [orgs[orgIndex]?.key ?? 'org000'];
    if (!isLargest && i % 25 === 0) orgKeys.push(orgs[1 + (orgIndex % (orgCount - 1))]?.key ?? 'org001');
    numbers.push({
      e164: `+1${String(2000000000 + i * 7919 + rng.int(0, 5000)).slice(0, 10)}`,
      label: `Bench line ${i}`,
      orgKeys: [...new Set(orgKeys)],
      callsPerDay: isLargest ? (callsPerDayTotal * largestShare) / largestNumbers : otherPerDay,
      queue: QUEUES[i % QUEUES.length] ?? 'Support',
    });
  }
  return { orgs, agents, numbers };
}
