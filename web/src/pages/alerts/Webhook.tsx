// An org's outgoing alert webhook: its URL, and its signing secret shown once.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { alerts } from '../../api/endpoints';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Field } from '../../components/Field';
import { ErrorState } from '../../components/States';
import { useFormErrors } from '../../hooks/useFormErrors';

export function Webhook({ orgId }: { orgId: string }) {
  const queryClient = useQueryClient();
  const hook = useQuery({ queryKey: ['alert-webhook', orgId], queryFn: () => alerts.webhook(orgId) });
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () => alerts.setWebhook(orgId, url.trim()),
    onSuccess: (result) => {
      setSecret(result.webhook.secret);
      setUrl('');
      void queryClient.invalidateQueries({ queryKey: ['alert-webhook', orgId] });
    },
  });
  const remove = useMutation({
    mutationFn: () => alerts.removeWebhook(orgId),
    onSuccess: () => {
      setSecret(null);
      void queryClient.invalidateQueries({ queryKey: ['alert-webhook', orgId] });
    },
  });
  const errors = useFormErrors(save.error);
  const current = hook.data?.webhook;
  return (
    <Card title="Webhook" subtitle="Alerts are POSTed as JSON with a Slack-compatible text and a signature header">
      <div className="stack">
        {hook.isError ? <ErrorState error={hook.error} onRetry={() => hook.refetch()} /> : null}
        <p data-testid="alert-webhook-url">{current ? `Sending to ${current.url}` : 'No webhook set.'}</p>
        {secret ? (
          <div className="secret">
            <span>Signing secret (shown once):</span> <code data-testid="alert-webhook-secret">{secret}</code>
          </div>
        ) : null}
        <form
          className="form-grid"
          aria-label="Set the alert webhook"
          onSubmit={errors.submit(() => save.mutate())}
          {...errors.formProps}
        >
          <Field
            label="Webhook URL"
            type="url"
            required
            maxLength={2000}
            value={url}
            {...errors.props('url')}
            onChange={(e) => setUrl(e.target.value)}
          />
          <div className="row">
            <Button type="submit" variant="primary" busy={save.isPending} disabled={!url.trim()}>
              {current ? 'Replace webhook' : 'Set webhook'}
            </Button>
            {current ? (
              <Button type="button" variant="danger" busy={remove.isPending} onClick={() => remove.mutate()}>
                Remove webhook
              </Button>
            ) : null}
          </div>
        </form>
        <ErrorState error={errors.rest(['url']) ?? remove.error} title="The webhook was not changed." />
      </div>
    </Card>
  );
}
