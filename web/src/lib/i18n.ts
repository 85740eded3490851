// Russian and English: detected from the browser on first visit, switchable, remembered in
// localStorage ("lang"). English, the fallback, is in the entry chunk; Russian is a chunk of its
// own, fetched when it is the language (detected, or switched to): a first page load parses one
// language, not both. `i18nReady` resolves once the language's texts are there (main.tsx renders
// after it; with English at once).
import i18n, { type BackendModule } from 'i18next';
import { initReactI18next } from 'react-i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import en from '../locales/en';

export const LANGUAGES = [
  { code: 'ru', label: 'Русский' },
  { code: 'en', label: 'English' },
] as const;

const lazyLocales: BackendModule = {
  type: 'backend',
  init() {},
  read(lng, _ns, done) {
    const texts = lng === 'ru' ? import('../locales/ru').then((m) => m.default) : Promise.resolve(en);
    texts.then((t) => done(null, t), (e: Error) => done(e, false));
  },
};

export const i18nReady = i18n
  .use(lazyLocales)
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { en: { translation: en } },
    partialBundledLanguages: true,
    fallbackLng: 'en',
    supportedLngs: ['en', 'ru'],
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    interpolation: { escapeValue: false },
    detection: { order: ['localStorage', 'navigator'], lookupLocalStorage: 'lang', caches: ['localStorage'] },
    returnNull: false,
  });

i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
});
document.documentElement.lang = i18n.resolvedLanguage ?? 'en';

export function currentLang(): 'ru' | 'en' {
  return (i18n.resolvedLanguage ?? i18n.language ?? 'en').startsWith('ru') ? 'ru' : 'en';
}

export function formatDate(iso?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(currentLang() === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export default i18n;
