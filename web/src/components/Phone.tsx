// Phone: a number as people write it in its country, with the E.164 form on hover (title).
import { formatPhone } from '../metrics/phone';

export function Phone({ e164, fallback = '—' }: { e164: string | null | undefined; fallback?: string }) {
  if (!e164) return <>{fallback}</>;
  return (
    <span className="phone" title={e164}>
      {formatPhone(e164)}
    </span>
  );
}
