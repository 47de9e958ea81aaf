// Entry point: styles, the query client (errors surface as toasts unless a screen shows them inline), and the app.
import { MutationCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import 'uplot/dist/uPlot.min.css';
import './styles/tokens.css';
import './styles/base.css';
import './styles/components.css';
import './styles/content.css';
import './styles/table.css';
import { App } from './App';
import { ApiError, onUnauthorized } from './api/client';
import { ToastProvider } from './components/Toast';
import { ME_KEY } from './hooks/session';
import { prefetchFirstScreen } from './prefetch';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // 4xx answers will not change on retry; network blips and 5xx get two more tries.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
      staleTime: 10_000,
    },
  },
  mutationCache: new MutationCache({
    onError: (error) => console.warn('Request failed', error),
  }),
});

// A 401 anywhere means the session ended: forget who we were, and the route guard sends us to sign in.
onUnauthorized(() => {
  if (queryClient.getQueryData(ME_KEY)) queryClient.setQueryData(ME_KEY, null);
});

prefetchFirstScreen(queryClient, window.location);

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </ToastProvider>
    </QueryClientProvider>
  </StrictMode>,
);
