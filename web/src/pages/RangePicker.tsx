// The range picker shared by the dashboard and the call log: presets, a custom from/to/interval, and the compare toggle.
import { type FormEvent, useEffect, useState } from 'react';
import { Button } from '../components/Button';
import { Checkbox, Field, SelectField } from '../components/Field';
import { Segmented } from '../components/Segmented';
import { isInterval, PRESETS, type RangeChoice, type useRange } from '../hooks/useRange';

const INTERVAL_OPTIONS = [
  { value: '', label: 'Automatic' },
  { value: 'hour', label: 'Hourly' },
  { value: 'day', label: 'Daily' },
  { value: 'week', label: 'Weekly' },
  { value: 'month', label: 'Monthly' },
];

export function RangePicker({
  range,
  showCompare = true,
  showInterval = true,
}: {
  range: ReturnType<typeof useRange>;
  showCompare?: boolean;
  showInterval?: boolean;
}) {
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [interval, setInterval] = useState<string>(range.interval);
  // The router applies URL changes in a transition; the checkbox answers the click at once.
  const [compare, setCompare] = useState(range.compare);
  useEffect(() => setCompare(range.compare), [range.compare]);
  useEffect(() => {
    setFrom(range.from);
    setTo(range.to);
    setInterval(range.interval);
  }, [range.from, range.to, range.interval]);

  const invalid = range.choice === 'custom' && from && to && from > to ? 'The start must be on or before the end.' : '';
  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (!invalid && from && to) range.setCustom(from, to, isInterval(interval) ? interval : '');
  };

  return (
    <div className="stack">
      <div className="row">
        <Segmented<RangeChoice> label="Date range" value={range.choice} options={PRESETS} onChange={range.setChoice} />
        {showCompare ? (
          <Checkbox
            label="Compare with previous period"
            checked={compare}
            onChange={(e) => {
              setCompare(e.target.checked);
              range.setCompare(e.target.checked);
            }}
          />
        ) : null}
      </div>
      {range.choice === 'custom' ? (
        <form className="form-grid" onSubmit={apply} aria-label="Custom range">
          <Field
            label="From"
            type="date"
            value={from}
            max={to || undefined}
            onChange={(e) => setFrom(e.target.value)}
          />
          <Field
            label="To (inclusive)"
            type="date"
            value={to}
            min={from || undefined}
            error={invalid || undefined}
            onChange={(e) => setTo(e.target.value)}
          />
          {showInterval ? (
            <SelectField
              label="Buckets"
              value={interval}
              options={INTERVAL_OPTIONS}
              onChange={(e) => setInterval(e.target.value)}
            />
          ) : null}
          <Button type="submit" variant="primary" disabled={Boolean(invalid) || !from || !to}>
            Apply
          </Button>
        </form>
      ) : null}
    </div>
  );
}
