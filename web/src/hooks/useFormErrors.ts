// Every form's errors: its inputs checked against their own limits before sending, and the server's answer placed
// under the field it names, in words; what names no field of the form is left for the form's alert.
import { type FormEvent, useCallback, useMemo, useState } from 'react';
import { ApiError } from '../api/client';
import { fieldIssues, fieldMessages, validityMessage } from '../api/messages';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

const isControl = (el: Element): el is Control =>
  el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement;

/** The failing named controls of a container (a form, or a dialog holding inputs), with their messages. */
function check(container: HTMLElement): { errors: Record<string, string>; first: Control | null } {
  const errors: Record<string, string> = {};
  let first: Control | null = null;
  for (const el of Array.from(container.querySelectorAll('input, select, textarea'))) {
    if (!isControl(el) || !el.name || el.disabled) continue;
    const message = validityMessage(el);
    if (message && !errors[el.name]) {
      errors[el.name] = message;
      first ??= el;
    }
  }
  return { errors, first };
}

export interface FormErrors {
  /** The message under the input named `name`: what the browser found, else what the server said of it. */
  field: (name: string) => string | undefined;
  /** `name` and `error` for a field: spread into <Field> / <SelectField>. */
  props: (name: string) => { name: string; error: string | undefined };
  /** The server's error unless each of its problems sits under one of `fields` (then null), for the alert. */
  rest: (fields: readonly string[]) => unknown;
  /** Checks the inputs of `container` (a form, or a dialog holding inputs); shows and focuses what fails. */
  validate: (container: HTMLElement) => boolean;
  /** Props for the <form>: no browser bubbles (the messages are ours), and an edited field loses its message. */
  formProps: { noValidate: true; onChange: (e: FormEvent<HTMLFormElement>) => void };
  /** An onSubmit that validates the form and runs `send` only when it passes. */
  submit: (send: () => void) => (e: FormEvent<HTMLFormElement>) => void;
}

export function useFormErrors(serverError: unknown): FormErrors {
  const [local, setLocal] = useState<Record<string, string>>({});
  const server = useMemo(() => (serverError instanceof ApiError ? fieldMessages(serverError) : {}), [serverError]);

  const validate = useCallback((container: HTMLElement) => {
    const { errors, first } = check(container);
    setLocal(errors);
    first?.focus();
    return first === null;
  }, []);

  const clear = useCallback((e: FormEvent<HTMLFormElement>) => {
    const target: EventTarget = e.target;
    const name = target instanceof Element && isControl(target) ? target.name : '';
    // '' hides the server's message for the field too: it spoke of the value before this edit.
    if (name) setLocal((errors) => (errors[name] === '' ? errors : { ...errors, [name]: '' }));
  }, []);

  const field = (name: string) => (name in local ? local[name] || undefined : server[name]);
  return {
    field,
    props: (name) => ({ name, error: field(name) }),
    rest: (fields) => {
      if (!(serverError instanceof ApiError)) return serverError ?? null;
      const issues = fieldIssues(serverError);
      const placed = issues.every((i) => i.where !== 'path' && fields.includes(i.field));
      return issues.length > 0 && placed ? null : serverError;
    },
    validate,
    formProps: { noValidate: true, onChange: clear },
    submit: (send) => (e) => {
      e.preventDefault();
      if (validate(e.currentTarget)) send();
    },
  };
}
