// Org settings form: time zone, service-level threshold and target, short-abandon threshold (PATCH /settings).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { orgs } from '../../api/endpoints';
import type { Org } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Field, SelectField } from '../../components/Field';
import { ErrorState } from '../../components/States';
import { useToast } from '../../components/Toast';
import { orgKey } from '../../hooks/org';
import { useFormErrors } from '../../hooks/useFormErrors';
import { timeZoneOptions } from '../../metrics/timezones';

const FIELDS = ['timezone', 'slThresholdSeconds', 'slTargetPct', 'shortAbandonSeconds'] as const;

export function SettingsForm({ org, canEdit }: { org: Org; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [timezone, setTimezone] = useState(org.timezone);
  const [threshold, setThreshold] = useState(String(org.slThresholdSeconds));
  const [target, setTarget] = useState(String(org.slTargetPct));
  const [shortAbandon, setShortAbandon] = useState(String(org.shortAbandonSeconds));
  useEffect(() => {
    setTimezone(org.timezone);
    setThreshold(String(org.slThresholdSeconds));
    setTarget(String(org.slTargetPct));
    setShortAbandon(String(org.shortAbandonSeconds));
  }, [org]);
  const zones = useMemo(() => timeZoneOptions(org.timezone), [org.timezone]);

  const save = useMutation({
    mutationFn: () =>
      orgs.updateSettings(org.id, {
        timezone,
        slThresholdSeconds: Number(threshold),
        slTargetPct: Number(target),
        shortAbandonSeconds: Number(shortAbandon),
      }),
    onSuccess: (result) => {
      queryClient.setQueryData(orgKey(org.id), result.org);
      // Every figure depends on these settings.
      void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[1] === org.id });
      toast.success('Settings saved. Figures are recomputed with them.');
    },
  });
  const errors = useFormErrors(save.error);

  return (
    <Card title="Time zone and service level" subtitle="Days, hours and every rate of this org are computed with these">
      <form className="stack" onSubmit={errors.submit(() => save.mutate())} {...errors.formProps}>
        <div className="form-grid">
          <SelectField
            label="Time zone"
            value={timezone}
            options={zones}
            disabled={!canEdit}
            onChange={(e) => setTimezone(e.target.value)}
            name="timezone"
            error={errors.field('timezone')}
          />
          <Field
            label="Service-level threshold (seconds)"
            type="number"
            required
            min={1}
            max={3600}
            value={threshold}
            disabled={!canEdit}
            onChange={(e) => setThreshold(e.target.value)}
            hint="Answered within this many seconds counts toward the service level."
            name="slThresholdSeconds"
            error={errors.field('slThresholdSeconds')}
          />
          <Field
            label="Service-level target (%)"
            type="number"
            required
            min={1}
            max={100}
            step={0.1}
            value={target}
            disabled={!canEdit}
            onChange={(e) => setTarget(e.target.value)}
            name="slTargetPct"
            error={errors.field('slTargetPct')}
          />
          <Field
            label="Short-abandon threshold (seconds)"
            type="number"
            required
            min={0}
            max={600}
            value={shortAbandon}
            disabled={!canEdit}
            onChange={(e) => setShortAbandon(e.target.value)}
            hint="Callers hanging up sooner are not held against the team; 0 turns this off."
            name="shortAbandonSeconds"
            error={errors.field('shortAbandonSeconds')}
          />
        </div>
        <ErrorState error={errors.rest(FIELDS)} title="Settings not saved." />
        {canEdit ? (
          <div>
            <Button type="submit" variant="primary" busy={save.isPending}>
              Save settings
            </Button>
          </div>
        ) : null}
      </form>
    </Card>
  );
}
