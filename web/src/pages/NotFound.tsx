import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Compass } from 'lucide-react';
import { EmptyState } from '../components/ui';

export function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="page">
      <EmptyState icon={<Compass size={26} />} title={t('errors.pageNotFound')} text={t('errors.pageNotFoundText')} action={<Link className="btn btn-primary btn-md" to="/">{t('errors.home')}</Link>} />
    </div>
  );
}
