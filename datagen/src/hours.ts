// When a demo business takes calls: its opening hours in its own time zone (live demo traffic keeps to them).

/** Local opening hours per weekday, 0 (Sunday) .. 6: [open, close) as whole local hours, or null when closed. */
export type OpeningHours = ReadonlyArray<readonly [number, number] | null>;

/** Weekdays 08:00–18:00, Saturday morning 09:00–13:00, closed on Sunday. */
export const OPENING_HOURS: OpeningHours = [null, [8, 18], [8, 18], [8, 18], [8, 18], [8, 18], [9, 13]];

/** Whether a local hour (as a LocalClock gives it) is within the opening hours. */
export function isOpen(local: { hour: number; weekday: number }, hours: OpeningHours = OPENING_HOURS): boolean {
  const day = hours[local.weekday];
  return day !== null && day !== undefined && local.hour >= day[0] && local.hour < day[1];
}
