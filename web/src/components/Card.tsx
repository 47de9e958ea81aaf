// Card: a titled surface that groups one piece of a page (a chart, a table, a form).
import type { ReactNode } from 'react';

export interface CardProps {
  title?: ReactNode;
  subtitle?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  labelledBy?: string;
}

export function Card({ title, subtitle, actions, children, className, labelledBy }: CardProps) {
  const headingId =
    labelledBy ?? (typeof title === 'string' ? `card-${title.replace(/\W+/g, '-').toLowerCase()}` : undefined);
  return (
    <section className={['card', className].filter(Boolean).join(' ')} aria-labelledby={title ? headingId : undefined}>
      {title || actions ? (
        <div className="card-header">
          <div>
            {title ? <h2 id={headingId}>{title}</h2> : null}
            {subtitle ? <p className="card-subtitle">{subtitle}</p> : null}
          </div>
          {actions ? <div className="row">{actions}</div> : null}
        </div>
      ) : null}
      {children}
    </section>
  );
}
