import { Component, type ReactNode } from 'react';

/** A crash in one page shows a message with a way out instead of a blank screen. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="page">
        <div role="alert" className="alert alert-error">
          <div>
            <strong>This page failed to display.</strong> {this.state.error.message}
          </div>
        </div>
        <div>
          <button type="button" className="button button-secondary" onClick={() => window.location.reload()}>
            Reload the page
          </button>
        </div>
      </div>
    );
  }
}
