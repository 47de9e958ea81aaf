// A box that scrolls must be reachable by keyboard (WCAG 2.1.1): while its content overflows it is a named,
// focusable region, so arrow keys scroll it; while everything fits it adds no tab stop.
import { useEffect, useState } from 'react';

export function useKeyboardScrollable(name: string) {
  const [box, setBox] = useState<HTMLElement | null>(null);
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    if (!box) return;
    const measure = () =>
      setOverflows(box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    if (box.firstElementChild) observer.observe(box.firstElementChild);
    return () => observer.disconnect();
  }, [box]);
  return {
    ref: setBox,
    ...(overflows ? { tabIndex: 0, role: 'region', 'aria-label': name } : {}),
  };
}
