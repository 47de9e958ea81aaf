// An org's business hours: the weekday ranges, in its time zone, when "no inbound call" alerts apply.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { alerts } from '../../api/endpoints';
import type { BusinessHoursRange } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Checkbox, Field } from '../../components/Field';
import { ErrorState, Loading } from '../../components/States';
import { useToast } from '../../components/Toast';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

const toTime = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
const toMinute = (time: string) => {
  const [h, m] = time.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

export function BusinessHours({ orgId, canWrite }: { orgId: string; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const hours = useQuery({ queryKey: ['business-hours', orgId], queryFn: () => alerts.businessHours(orgId) });
  const [edits, setEdits] = useState<Record<number, { open: boolean; start: string; end: string }>>({});
  const rangeOf = (weekday: number) => hours.data?.ranges.find((r) => r.weekday === weekday);
  const rowOf = (weekday: number) => {
    const saved = rangeOf(weekday);
    return (
      edits[weekday] ?? {
        open: saved !== undefined,
        start: toTime(saved?.startMinute ?? 540),
        end: toTime(saved?.endMinute ?? 1020),
      }
    );
  };
  const save = useMutation({
    mutationFn: () => {
      const ranges: BusinessHoursRange[] = [];
      for (let weekday = 1; weekday <= 7; weekday++) {
        const row = rowOf(weekday);
        if (row.open) ranges.push({ weekday, startMinute: toMinute(row.start), endMinute: toMinute(row.end) || 1440 });
      }
      return alerts.saveBusinessHours(orgId, { ranges });
    },
    onSuccess: () => {
      setEdits({});
      toast.success('Business hours saved.');
      void queryClient.invalidateQueries({ queryKey: ['business-hours', orgId] });
    },
  });
  if (hours.isPending) return <Loading label="Loading business hours…" />;
  if (hours.isError) return <ErrorState error={hours.error} onRetry={() => hours.refetch()} />;
  return (
    <Card title="Business hours" subtitle={`In ${hours.data.timezone}; “no inbound call” rules fire only inside them`}>
      <form
        className="stack"
        aria-label="Business hours"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        {WEEKDAYS.map((day, i) => {
          const weekday = i + 1;
          const row = rowOf(weekday);
          const update = (patch: Partial<typeof row>) =>
            setEdits((all) => ({ ...all, [weekday]: { ...row, ...patch } }));
          return (
            <fieldset key={day} className="row" style={{ border: 0, padding: 0, margin: 0 }} disabled={!canWrite}>
              <legend className="visually-hidden">{day}</legend>
              <Checkbox label={day} checked={row.open} onChange={(e) => update({ open: e.target.checked })} />
              <Field
                label={`${day} opens`}
                type="time"
                value={row.start}
                disabled={!row.open}
                onChange={(e) => update({ start: e.target.value })}
              />
              <Field
                label={`${day} closes`}
                type="time"
                value={row.end}
                disabled={!row.open}
                onChange={(e) => update({ end: e.target.value })}
              />
            </fieldset>
          );
        })}
        {canWrite ? (
          <div>
            <Button type="submit" variant="primary" busy={save.isPending}>
              Save business hours
            </Button>
          </div>
        ) : null}
        <ErrorState error={save.error} title="The business hours were not saved." />
      </form>
    </Card>
  );
}
