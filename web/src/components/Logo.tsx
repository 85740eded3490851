import { useId } from 'react';
import { useTranslation } from 'react-i18next';

export function Logo() {
  const { t } = useTranslation();
  // One gradient id per instance: a hidden copy (display: none) must not own the one in use.
  const grad = `logo-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  return (
    <a href="/" className="logo" aria-label={t('app.name')}>
      <svg width="30" height="30" viewBox="0 0 32 32" aria-hidden>
        <rect width="32" height="32" rx="9" fill={`url(#${grad})`} />
        <path d="M9 21l5-10 4 7 2-3 3 6" fill="none" stroke="#fff" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />
        <defs>
          <linearGradient id={grad} x1="0" y1="0" x2="32" y2="32">
            <stop offset="0" stopColor="#6366f1" />
            <stop offset="1" stopColor="#8b5cf6" />
          </linearGradient>
        </defs>
      </svg>
      <span>{t('app.name')}</span>
    </a>
  );
}
