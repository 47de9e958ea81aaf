// An ISO 8601 instant with an offset, limited to the years 0001–9999: JavaScript dates reach year 0 and beyond
// 9999, PostgreSQL's timestamptz has no year 0, so anything outside would fail in SQL instead of as a 400.
import { z } from '@hono/zod-openapi';

export const InstantSchema = (message = 'must be an ISO 8601 date-time') =>
  z.iso.datetime({ offset: true, message }).refine((value) => {
    const year = new Date(value).getUTCFullYear();
    return year >= 1 && year <= 9999;
  }, 'must be between the years 0001 and 9999');
