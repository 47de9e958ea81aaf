// A table row's "Edit" and destructive second action ("Remove", "Delete"), each named with the row's name.
import { Button } from './Button';

export function EditAndRemove({
  name,
  onEdit,
  onRemove,
  remove = 'Remove',
}: {
  /** what the row is called, for the buttons' accessible names */
  name: string;
  onEdit: () => void;
  onRemove: () => void;
  remove?: string;
}) {
  return (
    <span className="row">
      <Button small onClick={onEdit} aria-label={`Edit ${name}`}>
        Edit
      </Button>
      <Button small variant="danger" onClick={onRemove} aria-label={`${remove} ${name}`}>
        {remove}
      </Button>
    </span>
  );
}
