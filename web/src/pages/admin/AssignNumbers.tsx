// The number-assignment dialog: pick numbers from the inventory; shared numbers show which orgs already count them.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { admin } from '../../api/endpoints';
import type { NumberAssignment, Org, PhoneNumber } from '../../api/types';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Checkbox, Field } from '../../components/Field';
import { Phone } from '../../components/Phone';
import { Pill } from '../../components/Pill';
import { EmptyState, ErrorState, LoadingRows } from '../../components/States';
import { useToast } from '../../components/Toast';
import { formatDate, localMidnight } from '../../metrics/format';
import { phoneMatches } from '../../metrics/phone';

export function isActive(a: NumberAssignment, at = new Date()): boolean {
  return (
    (a.assignedFrom === null || new Date(a.assignedFrom) <= at) &&
    (a.assignedUntil === null || new Date(a.assignedUntil) > at)
  );
}

export function assignmentWindow(a: NumberAssignment, tz?: string): string {
  const from = a.assignedFrom ? `from ${formatDate(a.assignedFrom, tz)}` : 'all history';
  return a.assignedUntil ? `${from} until ${formatDate(a.assignedUntil, tz)}` : from;
}

function SharedWith({ number, orgId }: { number: PhoneNumber; orgId: string }) {
  const others = number.assignments.filter((a) => a.orgId !== orgId && a.assignedUntil === null);
  if (others.length === 0) return <span className="small muted choice-note">Not assigned to any org yet</span>;
  return (
    <span className="row small choice-note" data-testid="shared-with">
      Already counted in (stays shared):
      {others.map((a) => (
        <Pill key={a.orgId} tone="info">
          {a.orgName} ({assignmentWindow(a)})
        </Pill>
      ))}
    </span>
  );
}

export function AssignNumbersDialog({ org, open, onClose }: { org: Org; open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const inventory = useQuery({ queryKey: ['admin', 'phone-numbers'], queryFn: admin.phoneNumbers, enabled: open });
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [from, setFrom] = useState('');
  const candidates = useMemo(() => {
    const q = filter.replace(/\s/g, '').toLowerCase();
    return (inventory.data?.phoneNumbers ?? [])
      .filter((n) => !n.assignments.some((a) => a.orgId === org.id && isActive(a)))
      .filter((n) => !q || phoneMatches(n.e164, q) || (n.label ?? '').toLowerCase().includes(q));
  }, [inventory.data, filter, org.id]);

  const close = () => {
    setSelected([]);
    setFrom('');
    assign.reset();
    onClose();
  };
  const assign = useMutation({
    mutationFn: () =>
      admin.assignNumbers(org.id, {
        phoneNumberIds: selected,
        ...(from ? { assignedFrom: localMidnight(from, org.timezone) } : {}),
      }),
    onSuccess: ({ assignments }) => {
      const shared = assignments.filter((a) => a.sharedWith.length > 0);
      const note = shared.length ? ` ${shared.length} of them stay shared with other orgs.` : '';
      toast.success(
        `${assignments.length} number${assignments.length === 1 ? '' : 's'} assigned to ${org.name}.${note}`,
      );
      void queryClient.invalidateQueries({ queryKey: ['admin', 'phone-numbers'] });
      void queryClient.invalidateQueries({
        predicate: (q) => q.queryKey[1] === org.id || q.queryKey[0] === 'org-numbers',
      });
      close();
    },
  });

  return (
    <Dialog
      open={open}
      title={`Assign numbers to ${org.name}`}
      onClose={close}
      testId="assign-dialog"
      actions={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button
            variant="primary"
            busy={assign.isPending}
            disabled={selected.length === 0}
            onClick={() => assign.mutate()}
          >
            Assign {selected.length || ''}
          </Button>
        </>
      }
    >
      <p className="small muted">
        A number may belong to several orgs at once: its calls then count in each of them. Assigning never removes it
        from another org.
      </p>
      <Field label="Find a number" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <div className="choice-list" data-testid="assign-candidates">
        {inventory.isError ? <ErrorState error={inventory.error} onRetry={() => inventory.refetch()} /> : null}
        {inventory.isLoading ? <LoadingRows label="numbers" /> : null}
        {inventory.data && candidates.length === 0 ? (
          <EmptyState>No number outside this org matches.</EmptyState>
        ) : null}
        {candidates.map((n) => (
          <div key={n.id} className="choice" data-testid={`candidate-${n.e164}`}>
            <Checkbox
              label={
                <span>
                  <Phone e164={n.e164} />
                  {n.label ? <span className="muted"> · {n.label}</span> : null}
                </span>
              }
              checked={selected.includes(n.id)}
              onChange={(e) => setSelected((s) => (e.target.checked ? [...s, n.id] : s.filter((x) => x !== n.id)))}
            />
            <SharedWith number={n} orgId={org.id} />
          </div>
        ))}
      </div>
      <Field
        label="Counts calls from (effective date)"
        type="date"
        value={from}
        onChange={(e) => setFrom(e.target.value)}
        hint={
          from
            ? `Calls from ${from} on (in ${org.timezone}) count for ${org.name}.`
            : 'Empty: all of the number’s history counts for this org.'
        }
      />
      {assign.error ? <ErrorState error={assign.error} title="Not assigned." /> : null}
    </Dialog>
  );
}
