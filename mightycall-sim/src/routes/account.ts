// GET /ping, /phonenumbers(/{phoneNumber}), /profile(/{extension}), /profile/status (GET, PUT), /team.
import { Hono } from 'hono';
import type { SimEnv } from '../env.js';
import { digitsOf } from '../format.js';
import { renderPhoneNumber, renderProfile, renderTeam } from '../render/crm.js';
import type { UserStatus } from '../types.js';

export function accountRoutes(): Hono<SimEnv> {
  const r = new Hono<SimEnv>();

  r.get('/ping', (c) => c.json({ data: '3', isSuccess: true }));

  r.get('/phonenumbers', (c) => {
    const account = c.get('account');
    return c.json({
      data: {
        phoneNumbers: account.numbers.map(renderPhoneNumber),
        deletedPhoneNumbers: account.deletedNumbers.map(renderPhoneNumber),
        total: account.numbers.length,
      },
      isSuccess: true,
    });
  });

  r.get('/phonenumbers/:phoneNumber', (c) => {
    const digits = c.req.param('phoneNumber');
    const account = c.get('account');
    const found = /^\d{1,11}$/.test(digits)
      ? [...account.numbers, ...account.deletedNumbers].find((n) => digitsOf(n.number).includes(digits))
      : undefined;
    if (!found) return c.json({ message: 'Number not found' }, 400);
    return c.json({ data: renderPhoneNumber(found), isSuccess: true });
  });

  r.get('/profile', (c) => c.json({ data: renderProfile(c.get('user')), isSuccess: true }));

  r.get('/profile/status', (c) => c.json({ data: { status: c.get('user').status }, isSuccess: true }));

  r.put('/profile/status/:status', (c) => {
    const raw = c.req.param('status');
    const status = raw.toLowerCase();
    if (status !== 'available' && status !== 'dnd') {
      return c.json(
        {
          message: 'User status not found',
          modelState: { status: [`The value '${raw}' is not valid for UserStatus.`] },
        },
        400,
      );
    }
    const user = c.get('user');
    user.status = status satisfies UserStatus;
    return c.json({ data: { status: user.status }, isSuccess: true });
  });

  r.get('/profile/:extension', (c) => {
    const user = c.get('account').users.find((u) => u.extension === c.req.param('extension'));
    if (!user) return c.json({ message: 'User profile not found' }, 400);
    return c.json({ data: renderProfile(user), isSuccess: true });
  });

  r.get('/team', (c) => c.json(renderTeam(c.get('account'))));

  return r;
}
