// Local wall-clock hour and weekday of a UTC instant in an IANA zone, cached per UTC hour.

export interface LocalClock {
  /** local hour 0..23 and weekday 0 (Sunday)..6 of the UTC hour that contains `ms` */
  at(ms: number): { hour: number; weekday: number };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const HOUR_MS = 3_600_000;

export function localClock(timeZone: string): LocalClock {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour: 'numeric',
    hourCycle: 'h23',
    weekday: 'short',
  });
  const cache = new Map<number, { hour: number; weekday: number }>();
  return {
    at(ms) {
      const hourStart = Math.floor(ms / HOUR_MS) * HOUR_MS;
      let hit = cache.get(hourStart);
      if (!hit) {
        let hour = 0;
        let weekday = 0;
        for (const part of format.formatToParts(new Date(hourStart))) {
          if (part.type === 'hour') hour = Number(part.value) % 24;
          if (part.type === 'weekday') weekday = WEEKDAYS.indexOf(part.value);
        }
        hit = { hour, weekday };
        cache.set(hourStart, hit);
      }
      return hit;
    },
  };
}
