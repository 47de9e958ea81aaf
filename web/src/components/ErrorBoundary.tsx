// ErrorBoundary: a crash in one screen shows what went wrong with a way out, instead of a blank page.
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { errorMessage } from '../api/client';
import { Button } from './Button';

interface State {
  error: unknown;
}

export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('Screen crashed', error, info.componentStack);
  }

  override componentDidUpdate(prev: { resetKey?: string }): void {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="card stack" role="alert">
        <h1>Something went wrong on this screen</h1>
        <p>{errorMessage(this.state.error)}</p>
        <div className="row">
          <Button variant="primary" onClick={() => this.setState({ error: null })}>
            Try again
          </Button>
          <Button onClick={() => window.location.reload()}>Reload the page</Button>
        </div>
      </div>
    );
  }
}
