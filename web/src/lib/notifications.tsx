// Live notifications: while signed in, one LiveSocket; each message becomes a toast and an entry
// of the notification menu (the last 50, unread until the menu is opened). Pages listen to the
// messages too (useLiveMessages): document.progress drives the Training page's bars, and only
// its last step (ready or failed) becomes a toast.
import { createContext, ReactNode, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LiveSocket, WsNotification, WsState, wsUrl } from './ws';
import { useToast } from './toast';
import type { Notification } from './types';

type Listener = (m: WsNotification) => void;

interface NotifState {
  items: Notification[];
  state: WsState;
  markAllRead: () => void;
  clear: () => void;
  /** Calls `fn` with every message from now on; answers the function that stops it. */
  listen: (fn: Listener) => () => void;
}
const Ctx = createContext<NotifState>({ items: [], state: 'closed', markAllRead: () => {}, clear: () => {}, listen: () => () => {} });

/** Whether a message is shown as a toast and kept in the menu (progress steps are not). */
export function isNotable(kind: string, data: unknown): boolean {
  if (kind !== 'document.progress') return true;
  const s = (data as { status?: unknown } | null)?.status;
  return s === 'ready' || s === 'failed';
}

/** Title and text of a notification payload: {title, message|text|body} when present. */
export function describe(kind: string, data: unknown, t: (k: string, o?: Record<string, unknown>) => string): { title: string; text?: string } {
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v : undefined);
  if (kind === 'document.progress') {
    const name = str(d.name) ?? '';
    if (d.status === 'failed') return { title: t('training.notify.failed', { name }), text: str(d.error) };
    return { title: t('training.notify.ready', { name }), text: typeof d.chunks === 'number' ? t('training.chunkCount', { count: d.chunks }) : undefined };
  }
  const title = str(d.title) ?? t(`notifications.kinds.${kind}`, { defaultValue: kind.replace(/[_.-]+/g, ' ') });
  const text = str(d.message) ?? str(d.text) ?? str(d.body) ?? (typeof data === 'string' ? data : undefined);
  return { title, text };
}

export function NotificationsProvider({ userId, children }: { userId: string | null; children: ReactNode }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [items, setItems] = useState<Notification[]>([]);
  const [state, setState] = useState<WsState>('closed');
  const listeners = useRef(new Set<Listener>());
  const listen = useCallback((fn: Listener) => {
    listeners.current.add(fn);
    return () => void listeners.current.delete(fn);
  }, []);

  useEffect(() => {
    if (!userId) return;
    const sock = new LiveSocket(
      wsUrl(),
      (m) => {
        for (const fn of [...listeners.current]) fn(m);
        if (!isNotable(m.kind, m.data)) return;
        const n: Notification = { id: `${Date.now()}-${Math.random()}`, kind: m.kind, subject: m.subject, data: m.data, at: Date.now(), read: false };
        setItems((xs) => [n, ...xs].slice(0, 50));
        const { title, text } = describe(m.kind, m.data, t);
        toast(m.kind === 'document.progress' && (m.data as { status?: string }).status === 'failed' ? 'error' : 'info', title, text);
      },
      setState,
    );
    sock.start();
    return () => {
      sock.stop();
      setItems([]);
    };
  }, [userId, t, toast]);

  return (
    <Ctx.Provider
      value={{
        items,
        state,
        markAllRead: () => setItems((xs) => xs.map((x) => ({ ...x, read: true }))),
        clear: () => setItems([]),
        listen,
      }}
    >
      {children}
    </Ctx.Provider>
  );
}

export const useNotifications = () => useContext(Ctx);

/** Calls `fn` (the latest one passed) with each live message while the component is mounted. */
export function useLiveMessages(fn: Listener) {
  const { listen } = useContext(Ctx);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => listen((m) => latest.current(m)), [listen]);
}
