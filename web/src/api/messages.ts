// Human words for the API's error answers: each problem with a field for that field's input, the rest as sentences.
// The API names fields for programs ("body.email: must be an email address"); people read "Enter an email address".

/** What this needs of an ApiError (client.ts), without importing it. */
export interface ApiErrorLike {
  code: string;
  message: string;
  details?: unknown;
}

export interface FieldIssue {
  /** where the API read it: body, query, path (or '' when unknown) */
  where: string;
  /** the field's name in the API ('' for the whole body) */
  field: string;
  message: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A message whose start names where and which field: "body.slug: …", "query.q: …". */
const NAMED = /^(body|query|path|header)\.([A-Za-z_][\w]*)(?:\.[\w.]*)?: ([\s\S]*)$/;

function issueFromPath(path: string, message: string): FieldIssue {
  const [where = '', ...rest] = path.split('.');
  // A nested path (body.members.0.role) is shown at its first field, the input a form has.
  return { where, field: rest[0] ?? '', message };
}

/** The problems an error names field by field (details.issues, details.field or a "body.x: …" message). */
export function fieldIssues(error: ApiErrorLike): FieldIssue[] {
  const d = error.details;
  if (isRecord(d) && Array.isArray(d.issues)) {
    return d.issues.flatMap((i) =>
      isRecord(i) && typeof i.path === 'string' && typeof i.message === 'string'
        ? [issueFromPath(i.path, i.message)]
        : [],
    );
  }
  if (isRecord(d) && typeof d.field === 'string') {
    const prefix = `${d.field}: `;
    const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    return [{ where: 'query', field: d.field, message }];
  }
  const named = NAMED.exec(error.message);
  return named ? [{ where: named[1] ?? '', field: named[2] ?? '', message: named[3] ?? '' }] : [];
}

/** Zod's standard wording, said the way a form says it. */
const ZOD_WORDS: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^Too big: expected string to have <=(\d+) characters?$/, (m) => `Use at most ${m[1]} characters.`],
  [/^Too small: expected string to have >=1 characters?$/, () => 'Fill this in.'],
  [/^Too small: expected string to have >=(\d+) characters?$/, (m) => `Use at least ${m[1]} characters.`],
  [/^Too big: expected number to be <=(\S+)$/, (m) => `Use a number no greater than ${m[1]}.`],
  [/^Too small: expected number to be >=(\S+)$/, (m) => `Use a number of at least ${m[1]}.`],
  [/^Too small: expected number to be >(\S+)$/, (m) => `Use a number greater than ${m[1]}.`],
  [/^Too big: expected array to have <=(\d+) items?$/, (m) => `Choose at most ${m[1]}.`],
  [/^Too small: expected array to have >=1 items?$/, () => 'Choose at least one.'],
  [/^Invalid input: expected \w+, received (undefined|null)$/, () => 'Fill this in.'],
  [/^Invalid input: expected (number|int), received \w+$/, () => 'Enter a number.'],
  [/^Invalid input: expected nonoptional, received \w+$/, () => 'Fill this in.'],
  [/^Invalid option: expected one of /, () => 'Choose one of the options offered.'],
  [/^Invalid email address$/, () => 'Enter an email address such as name@example.com.'],
  [/^Invalid (UUID|url|URL)/, () => 'This is not in the expected form.'],
  [/^required\b/, () => 'Fill this in.'],
];

/** "must be 1–10 digits" → "Must be 1–10 digits."; a message opening with a value ("a@b.example is …") keeps it. */
export function sentence(text: string): string {
  const t = text.trim();
  const s = /^[a-z]+(\s|$)/.test(t) ? t.charAt(0).toUpperCase() + t.slice(1) : t;
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** One problem of a field in words for the form, shown under the field's input. */
export function humanIssue(message: string): string {
  for (const [pattern, words] of ZOD_WORDS) {
    const m = pattern.exec(message);
    if (m) return words(m);
  }
  // The API's own wording is already for people ("must be an email address"): made a sentence.
  return sentence(message);
}

/** Field names of the API in the words the screens use, for messages that stand apart from any input. */
const FIELD_WORDS: Record<string, string> = {
  q: 'Search',
  e164: 'Phone number',
  displayName: 'Name',
  mightycallExtension: 'MightyCall extension',
  timezone: 'Time zone',
  slThresholdSeconds: 'Service-level threshold',
  slTargetPct: 'Service-level target',
  shortAbandonSeconds: 'Short-abandon threshold',
  org_id: 'Organization',
  interval: 'Buckets',
  expiresAt: 'Expiry',
  baseUrl: 'Base URL',
  apiKey: 'API key',
  userId: 'User',
  cursor: 'Page',
  token: 'Invitation link',
};

/** What a path parameter names, for "this address does not point to a valid …". */
const PATH_NOUNS: Record<string, string> = {
  callId: 'call',
  orgId: 'organization',
  userId: 'user',
  keyId: 'API key',
  invitationId: 'invitation',
  numberId: 'phone number',
  connectionId: 'MightyCall connection',
};

export function fieldWords(field: string): string {
  const known = FIELD_WORDS[field];
  if (known) return known;
  const words = field
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const lowerFirst = (s: string) => (/^[A-Z][a-z]*(\s|$)/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);

function issueSentence(issue: FieldIssue): string {
  if (issue.where === 'path') {
    return `This address does not point to a valid ${PATH_NOUNS[issue.field] ?? 'page'}; check the link, or open it from its list.`;
  }
  const human = humanIssue(issue.message);
  return issue.field ? `${fieldWords(issue.field)}: ${lowerFirst(human)}` : human;
}

/** Answers whose words were written for API clients, and what a person reads instead. */
const CODE_SENTENCES: Record<string, string> = {
  already_member: 'This person is already a member of the org; change their role in the members list instead.',
};

/** The whole error in words for a person: each problem with its field's name, or a plain sentence. */
export function humanApiMessage(error: ApiErrorLike): string {
  const issues = fieldIssues(error);
  if (issues.length > 0) return issues.map(issueSentence).join(' ');
  return CODE_SENTENCES[error.code] ?? error.message;
}

/** The server's problems by field name, in words for that field's input (path parameters are no input). */
export function fieldMessages(error: ApiErrorLike): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of fieldIssues(error)) {
    if (issue.where === 'path' || !issue.field || out[issue.field]) continue;
    out[issue.field] = humanIssue(issue.message);
  }
  return out;
}

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** Why a form control fails its own limits (required, type, pattern, length, min/max), in words; null if it passes. */
export function validityMessage(control: Control): string | null {
  const v = control.validity;
  if (v.valid) return null;
  const attr = (name: string) => control.getAttribute(name);
  if (v.valueMissing) return control instanceof HTMLSelectElement ? 'Choose one.' : 'Fill this in.';
  if (v.badInput) return control.type === 'number' ? 'Enter a number.' : 'Enter a valid value.';
  if (v.typeMismatch) {
    if (control.type === 'email') return 'Enter an email address such as name@example.com.';
    if (control.type === 'url') return 'Enter a web address starting with https://.';
  }
  // A pattern's title says in words what it wants ("1 to 10 digits").
  if (v.patternMismatch) return attr('title') ? sentence(`Use ${attr('title')}`) : 'Use the form shown.';
  if (v.tooLong) return `Use at most ${attr('maxlength')} characters.`;
  if (v.tooShort) return `Use at least ${attr('minlength')} characters.`;
  if (v.rangeUnderflow) return `Use a number of at least ${attr('min')}.`;
  if (v.rangeOverflow) return `Use a number no greater than ${attr('max')}.`;
  if (v.stepMismatch) return `Use steps of ${attr('step') ?? 1}.`;
  return 'Check this value.';
}
