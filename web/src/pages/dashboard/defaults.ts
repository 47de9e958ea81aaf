// What the dashboard shows before the user chooses: read by the dashboard and by the first-load prefetch.
import type { Preset } from '../../hooks/useRange';

/** The range when the URL names none. */
export const DASHBOARD_RANGE: Preset = 'day';
/** How many calls the recent-activity card lists. */
export const RECENT_CALLS = 20;
