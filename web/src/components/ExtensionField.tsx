// The MightyCall extension input of every member form, carrying the API's limit (1–10 digits) as its pattern.
import { Field } from './Field';

/** The MightyCall extension input, with the API's limit (1–10 digits) in its pattern. */
export function ExtensionField(props: {
  value: string;
  error?: string;
  hint?: string;
  label?: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field
      label={props.label ?? 'MightyCall extension'}
      name="mightycallExtension"
      value={props.value}
      inputMode="numeric"
      pattern="[0-9]{1,10}"
      title="1 to 10 digits"
      maxLength={10}
      hint={props.hint}
      error={props.error}
      onChange={(e) => props.onChange(e.target.value)}
    />
  );
}
