import { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Bot, BookOpen, Zap } from 'lucide-react';
import { Logo } from '../../components/Logo';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { usePageTitle } from '../../components/ui';

export function AuthLayout({ title, subtitle, children, footer }: { title: string; subtitle?: string; children: ReactNode; footer?: ReactNode }) {
  const { t } = useTranslation();
  usePageTitle(title);
  return (
    <div className="auth">
      <section className="auth-aside" aria-hidden>
        <Logo />
        <div className="auth-pitch">
          <h2>{t('auth.pitchTitle')}</h2>
          <ul>
            <li><Bot size={18} /> {t('auth.pitch1')}</li>
            <li><BookOpen size={18} /> {t('auth.pitch2')}</li>
            <li><Zap size={18} /> {t('auth.pitch3')}</li>
          </ul>
        </div>
        <p className="auth-foot">© {new Date().getFullYear()} {t('app.name')}</p>
      </section>
      <main className="auth-main">
        <div className="auth-top">
          <span className="only-mobile"><Logo /></span>
          <span className="grow" />
          <LanguageSwitch />
        </div>
        <div className="auth-card">
          <h1>{title}</h1>
          {subtitle && <p className="muted">{subtitle}</p>}
          {children}
        </div>
        {footer && <div className="auth-footer">{footer}</div>}
      </main>
    </div>
  );
}
