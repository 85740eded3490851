// The Русский / English switch, on the sign-in pages and in the signed-in top bar. Its own file
// so that the sign-in page does not pull the signed-in frame (AppShell) into the entry chunk.
import { useTranslation } from 'react-i18next';
import { useAuth } from '../lib/auth';
import { LANGUAGES } from '../lib/i18n';

export function LanguageSwitch({ compact }: { compact?: boolean }) {
  const { i18n, t } = useTranslation();
  const { setLanguage } = useAuth();
  const cur = (i18n.resolvedLanguage ?? 'en').slice(0, 2);
  return (
    <div className="lang-switch" role="group" aria-label={t('common.language')}>
      {LANGUAGES.map((l) => (
        <button
          key={l.code}
          type="button"
          className={cur === l.code ? 'active' : ''}
          aria-pressed={cur === l.code}
          onClick={() => void setLanguage(l.code)}
          title={l.label}
        >
          {compact ? l.code.toUpperCase() : l.label}
        </button>
      ))}
    </div>
  );
}
