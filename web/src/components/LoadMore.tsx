// The foot of a keyset-paged list: why the last page failed, and the button for the next one.
import { errorMessage } from '../api/client';
import { Button } from './Button';

/** The parts of a TanStack infinite query this needs. */
interface Pages {
  error: unknown;
  isFetchNextPageError: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage(): unknown;
}

export function LoadMore({ pages }: { pages: Pages }) {
  return (
    <>
      {pages.isFetchNextPageError ? (
        <p className="field-error" role="alert">
          Loading more failed: {errorMessage(pages.error)}
        </p>
      ) : null}
      {pages.hasNextPage ? (
        <div className="row row-end">
          <Button onClick={() => pages.fetchNextPage()} busy={pages.isFetchingNextPage}>
            Load more
          </Button>
        </div>
      ) : null}
    </>
  );
}
