// Button and ButtonLink: the app's only clickable controls, in primary / secondary / danger / ghost variants.
import type { AnchorHTMLAttributes, ButtonHTMLAttributes } from 'react';
import { Link, type LinkProps } from 'react-router-dom';

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';

function classes(variant: Variant, small: boolean | undefined, extra?: string): string {
  return ['btn', variant === 'secondary' ? '' : `btn-${variant}`, small ? 'btn-small' : '', extra ?? '']
    .filter(Boolean)
    .join(' ');
}

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  small?: boolean;
  busy?: boolean;
}

export function Button({ variant = 'secondary', small, busy, className, disabled, children, ...rest }: ButtonProps) {
  return (
    <button
      type="button"
      className={classes(variant, small, className)}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy ? 'Working…' : children}
    </button>
  );
}

export function ButtonLink({
  variant = 'secondary',
  small,
  className,
  ...rest
}: LinkProps & { variant?: Variant; small?: boolean }) {
  return <Link className={classes(variant, small, className)} {...rest} />;
}

/** A plain anchor styled as a button, for downloads and links outside the app (CSV, API docs). */
export function ButtonAnchor({
  variant = 'secondary',
  small,
  className,
  ...rest
}: AnchorHTMLAttributes<HTMLAnchorElement> & { variant?: Variant; small?: boolean }) {
  return <a className={classes(variant, small, className)} {...rest} />;
}
