// Tooltip: a small "i" button that reveals a definition on hover (CSS), focus or click; Escape closes it.
import { useId, useState } from 'react';

export function Tooltip({ label, text }: { label: string; text: string }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <span className="tip" data-open={open}>
      <button
        type="button"
        className="tip-button"
        aria-label={`Definition of ${label}`}
        aria-describedby={id}
        aria-expanded={open}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onClick={() => setOpen((v) => !v)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false);
        }}
      >
        i
      </button>
      <span id={id} role="tooltip" className="tip-bubble">
        {text}
      </span>
    </span>
  );
}
