// Toasts: short messages in the corner, announced to screen readers, gone after a few seconds.
import { createContext, ReactNode, useCallback, useContext, useState } from 'react';
import { CheckCircle2, Info, AlertTriangle, X } from 'lucide-react';

type Kind = 'success' | 'info' | 'error';
interface Toast { id: number; kind: Kind; title: string; text?: string }

const Ctx = createContext<(kind: Kind, title: string, text?: string) => void>(() => {});
let seq = 0;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<Toast[]>([]);
  const dismiss = (id: number) => setItems((xs) => xs.filter((x) => x.id !== id));
  const push = useCallback((kind: Kind, title: string, text?: string) => {
    const id = ++seq;
    setItems((xs) => [...xs.slice(-3), { id, kind, title, text }]);
    setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 5000);
  }, []);
  return (
    <Ctx.Provider value={push}>
      {children}
      <div className="toasts" aria-live="polite">
        {items.map((x) => (
          <div key={x.id} className={`toast toast-${x.kind}`} role={x.kind === 'error' ? 'alert' : 'status'}>
            <span className="toast-icon">
              {x.kind === 'success' ? <CheckCircle2 size={18} /> : x.kind === 'error' ? <AlertTriangle size={18} /> : <Info size={18} />}
            </span>
            <div className="toast-text">
              <strong>{x.title}</strong>
              {x.text && <span>{x.text}</span>}
            </div>
            <button type="button" className="icon-btn" aria-label="×" onClick={() => dismiss(x.id)}>
              <X size={14} />
            </button>
          </div>
        ))}
      </div>
    </Ctx.Provider>
  );
}

export const useToast = () => useContext(Ctx);
