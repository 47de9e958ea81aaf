// A button that copies a text to the clipboard and says whether the browser allowed it.
import { Button } from './Button';
import { useToast } from './Toast';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const toast = useToast();
  const copy = () =>
    navigator.clipboard.writeText(text).then(
      () => toast.success('Copied to the clipboard.'),
      () => toast.info('The browser refused the clipboard; select the text and copy it by hand.'),
    );
  return (
    <Button small onClick={copy} aria-label={label}>
      Copy
    </Button>
  );
}
