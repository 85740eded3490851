// The live socket (/ws): the edge pushes {"type":"notification","subject","kind","data"} for the
// signed-in user and organisation. The socket reconnects by itself with exponential backoff
// (1 s doubling to 30 s, with jitter), and pings every 25 s so idle proxies keep it open.

export interface WsNotification { type: 'notification'; subject: string; kind: string; data: unknown }
export type WsState = 'connecting' | 'open' | 'closed';

export function backoffDelay(attempt: number, random = Math.random): number {
  const base = Math.min(30000, 1000 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + random() * 0.5));
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ping: ReturnType<typeof setInterval> | null = null;
  private stopped = false;

  constructor(
    private url: string,
    private onMessage: (n: WsNotification) => void,
    private onState: (s: WsState) => void = () => {},
  ) {}

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.ping) clearInterval(this.ping);
    this.ws?.close(1000);
    this.ws = null;
  }

  private connect() {
    this.onState('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.onState('open');
      this.ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), 25000);
    };
    ws.onmessage = (ev) => {
      try {
        const m = JSON.parse(String(ev.data));
        if (m && m.type === 'notification') this.onMessage(m as WsNotification);
      } catch {
        /* not JSON: ignore */
      }
    };
    ws.onclose = () => {
      if (this.ping) clearInterval(this.ping);
      this.ping = null;
      if (this.ws !== ws) return;
      this.ws = null;
      this.onState('closed');
      if (this.stopped) return;
      this.timer = setTimeout(() => this.connect(), backoffDelay(this.attempt++));
    };
  }
}

export function wsUrl(loc: Location = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}
