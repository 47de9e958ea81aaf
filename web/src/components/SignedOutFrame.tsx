// The page frame of the signed-out screens (sign in, accept an invite, reset a password, verify an address).
import type { ReactNode } from 'react';
import { Card } from './Card';

/** `after`: what goes below the card (links to other signed-out screens) */
export function SignedOutFrame({ title, children, after }: { title: string; children: ReactNode; after?: ReactNode }) {
  return (
    <main className="center-page">
      <div className="stack narrow">
        <h1>VictorySync</h1>
        <Card title={title}>{children}</Card>
        {after}
      </div>
    </main>
  );
}
