import React from 'react';
import ReactDOM from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import '@fontsource-variable/inter';
import './styles.css';
import { i18nReady } from './lib/i18n';
import App from './App';
import { ErrorBoundary } from './components/ErrorBoundary';

// Rendered once the language's texts are loaded (English: at once; Russian: its chunk first).
const root = ReactDOM.createRoot(document.getElementById('root')!);
const show = () =>
  root.render(
    <React.StrictMode>
      <ErrorBoundary>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </ErrorBoundary>
    </React.StrictMode>,
  );
void i18nReady.then(show, show);
