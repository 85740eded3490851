// Instead of a blank page: what went wrong, and a way back.
import { Component, ErrorInfo, ReactNode } from 'react';
import { AlertTriangle } from 'lucide-react';
import i18n from '../lib/i18n';

interface State { error: Error | null }

export class ErrorBoundary extends Component<{ children: ReactNode; inline?: boolean }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('console error boundary', error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    const t = i18n.t.bind(i18n);
    return (
      <div className={this.props.inline ? 'crash crash-inline' : 'crash'} role="alert">
        <div className="state-icon"><AlertTriangle size={28} /></div>
        <h1>{t('errors.crashTitle')}</h1>
        <p className="muted">{t('errors.crashText')}</p>
        <pre className="crash-detail">{this.state.error.message}</pre>
        <div className="row gap">
          <button type="button" className="btn btn-primary btn-md" onClick={() => window.location.reload()}>{t('errors.reload')}</button>
          <a className="btn btn-ghost btn-md" href="/">{t('errors.home')}</a>
        </div>
      </div>
    );
  }
}
