// Live notifications: while signed in, one LiveSocket; each message becomes a toast and an entry
// of the notification menu (the last 50, unread until the menu is opened).
import { createContext, ReactNode, useContext, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LiveSocket, WsState, wsUrl } from './ws';
import { useToast } from './toast';
import type { Notification } from './types';

interface NotifState {
  items: Notification[];
  state: WsState;
  markAllRead: () => void;
  clear: () => void;
}
const Ctx = createContext<NotifState>({ items: [], state: 'closed', markAllRead: () => {}, clear: () => {} });

/** Title and text of a notification payload: {title, message|text|body} when present. */
export function describe(kind: string, data: unknown, t: (k: string, o?: Record<string, unknown>) => string): { title: string; text?: string } {
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v : undefined);
  const title = str(d.title) ?? t(`notifications.kinds.${kind}`, { defaultValue: kind.replace(/[_.-]+/g, ' ') });
  const text = str(d.message) ?? str(d.text) ?? str(d.body) ?? (typeof data === 'string' ? data : undefined);
  return { title, text };
}

export function NotificationsProvider({ userId, children }: { userId: string | null; children: ReactNode }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [items, setItems] = useState<Notification[]>([]);
  const [state, setState] = useState<WsState>('closed');

  useEffect(() => {
    if (!userId) return;
    const sock = new LiveSocket(
      wsUrl(),
      (m) => {
        const n: Notification = { id: `${Date.now()}-${Math.random()}`, kind: m.kind, subject: m.subject, data: m.data, at: Date.now(), read: false };
        setItems((xs) => [n, ...xs].slice(0, 50));
        const { title, text } = describe(m.kind, m.data, t);
        toast('info', title, text);
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
      }}
    >
      {children}
    </Ctx.Provider>
  );
}

export const useNotifications = () => useContext(Ctx);
