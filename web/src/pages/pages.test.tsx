import { describe, expect, it, vi, beforeEach, afterEach } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import '../lib/i18n';
import i18n from '../lib/i18n';
import { AuthProvider } from '../lib/auth';
import { ToastProvider } from '../lib/toast';
import { SignIn } from './auth/SignIn';
import { SignUp } from './auth/SignUp';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { toBody, toForm } from './agents/AgentForm';
import { scriptVariables } from './agents/Scripts';
import { parseTags } from './kb/ArticleEditor';

function json(status: number, body: unknown) {
  return Promise.resolve(new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
}

function wrap(ui: React.ReactNode) {
  return render(
    <MemoryRouter>
      <ToastProvider>
        <AuthProvider>{ui}</AuthProvider>
      </ToastProvider>
    </MemoryRouter>,
  );
}

beforeEach(async () => {
  await i18n.changeLanguage('en');
});
afterEach(() => vi.unstubAllGlobals());

describe('sign-in', () => {
  it('has labelled fields and says when the password is wrong', async () => {
    const fetch = vi.fn((url: string, _init?: RequestInit) => (url === '/api/auth/me' ? json(401, { error: { code: 'unauthenticated', message: 'not signed in' } }) : json(401, { error: { code: 'unauthenticated', message: 'wrong email or password' } })));
    vi.stubGlobal('fetch', fetch);
    wrap(<SignIn />);
    await userEvent.type(screen.getByLabelText('Email'), 'a@b.co');
    await userEvent.type(screen.getByLabelText(/^Password/), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Wrong email or password.')).toBeInTheDocument();
    const call = fetch.mock.calls.find((c) => c[0] === '/api/auth/login')!;
    expect(JSON.parse(call[1]!.body as string)).toEqual({ email: 'a@b.co', password: 'nope' });
  });
  it('checks required fields before calling the API, and puts a field message under its field', async () => {
    const fetch = vi.fn((url: string) => (url === '/api/auth/me' ? json(401, {}) : json(400, { error: { code: 'invalid_argument', message: 'email: not a valid address' } })));
    vi.stubGlobal('fetch', fetch);
    wrap(<SignIn />);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findAllByText('This field is required')).length).toBe(2);
    expect(screen.getByLabelText('Email')).toHaveFocus();
    expect(fetch.mock.calls.filter((c) => c[0] === '/api/auth/login')).toHaveLength(0);
    await userEvent.type(screen.getByLabelText('Email'), 'nope');
    await userEvent.type(screen.getByLabelText(/^Password/), 'secret');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const err = await screen.findByText('not a valid address');
    expect(err.id).toBe('email-error');
    expect(screen.getByLabelText('Email')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByText('This field is required')).toBeNull();
  });
});

describe('sign-up', () => {
  it('puts the API message under the field it names', async () => {
    vi.stubGlobal('fetch', vi.fn((url: string) => (url === '/api/auth/me' ? json(401, {}) : json(400, { error: { code: 'invalid_argument', message: 'password: is too common' } }))));
    wrap(<SignUp />);
    await userEvent.type(screen.getByLabelText('Your name'), 'Ann');
    await userEvent.type(screen.getByLabelText('Work email'), 'ann@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'password1');
    await userEvent.type(screen.getByLabelText('Organization name'), 'Ann Co');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    const err = await screen.findByText('is too common');
    expect(err.id).toBe('password-error');
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');
  });
  it('checks required fields before calling the API', async () => {
    const fetch = vi.fn(() => json(401, {}));
    vi.stubGlobal('fetch', fetch);
    wrap(<SignUp />);
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findAllByText('This field is required')).length).toBe(4);
    expect(fetch.mock.calls.filter((c) => (c as unknown[])[0] === '/api/auth/register')).toHaveLength(0);
  });
});

describe('language', () => {
  it('switches the page to Russian', async () => {
    vi.stubGlobal('fetch', vi.fn(() => json(401, {})));
    wrap(<SignIn />);
    await i18n.changeLanguage('ru');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Войти' })).toBeInTheDocument());
    expect(localStorage.getItem('lang')).toBe('ru');
  });
});

describe('error boundary', () => {
  it('shows a way out instead of a blank page', () => {
    const Boom = () => {
      throw new Error('kaboom');
    };
    vi.spyOn(console, 'error').mockImplementation(() => {});
    render(
      <ErrorBoundary>
        <Boom />
      </ErrorBoundary>,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('This page crashed');
    expect(screen.getByText('kaboom')).toBeInTheDocument();
  });
});

describe('agent form body', () => {
  it('sends every setting on create and clears emptied lists on update', () => {
    const f = { ...toForm(), name: 'Bot', channels: [], kb_category_ids: [], hours_enabled: false };
    const create = toBody(f, false);
    expect(create).toMatchObject({ name: 'Bot', model: 'openai/gpt-4o-mini', temperature: 0.7, max_tokens: 1024, response_delay_seconds: 0, language: 'auto', status: 'active' });
    expect(create.clear).toBeUndefined();
    const update = toBody(f, true);
    expect(update.clear).toEqual(['channels', 'kb_category_ids', 'working_hours']);
    const hours = toBody({ ...f, channels: ['email'], hours_enabled: true, timezone: 'Europe/Moscow', intervals: [{ day: 1, start: '09:00', end: '18:00' }] }, true);
    expect(hours.working_hours).toEqual({ timezone: 'Europe/Moscow', intervals: [{ day: 1, start: '09:00', end: '18:00' }] });
    expect(hours.channels).toEqual(['email']);
    expect(hours.clear).toEqual(['kb_category_ids']);
  });
});

describe('small parsers', () => {
  it('script variables come from {{placeholders}}, once each', () => {
    expect(scriptVariables('Hi {{ name }}, order {{order_id}} for {{name}}')).toEqual(['name', 'order_id']);
  });
  it('tags are comma separated, trimmed and distinct', () => {
    expect(parseTags(' a, b ,, a,c ')).toEqual(['a', 'b', 'c']);
  });
});
