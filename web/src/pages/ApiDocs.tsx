// /api-docs: Swagger UI (swagger-ui-dist from npm, bundled) over the edge's generated
// /api/openapi.json. Its own lazily loaded chunk: the rest of the console never pays for it.
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import { Logo } from '../components/Logo';

export default function ApiDocs() {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    document.title = `${t('nav.apiDocs')} · ${t('app.name')}`;
    if (ref.current) SwaggerUIBundle({ domNode: ref.current, url: '/api/openapi.json', deepLinking: true, tryItOutEnabled: false });
  }, [t]);
  return (
    <div className="api-docs">
      <header className="api-docs-top">
        <Logo />
        <span className="muted">{t('nav.apiDocs')}</span>
      </header>
      <div ref={ref} data-testid="swagger" />
    </div>
  );
}
