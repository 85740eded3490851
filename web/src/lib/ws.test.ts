import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveSocket, wsUrl } from './ws';

class FakeSocket {
  static all: FakeSocket[] = [];
  static OPEN = 1;
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(s: string) {
    this.sent.push(s);
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  FakeSocket.all = [];
});

describe('LiveSocket', () => {
  it('delivers notifications, ignores other frames, reconnects with growing delays', () => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const got: unknown[] = [];
    const states: string[] = [];
    const s = new LiveSocket('ws://x/ws', (n) => got.push(n), (st) => states.push(st));
    s.start();
    expect(FakeSocket.all).toHaveLength(1);
    FakeSocket.all[0].open();
    FakeSocket.all[0].onmessage?.({ data: '{"type":"notification","subject":"notify.user.u.test","kind":"test","data":{"title":"Hi"}}' });
    FakeSocket.all[0].onmessage?.({ data: '{"type":"pong"}' });
    FakeSocket.all[0].onmessage?.({ data: 'not json' });
    expect(got).toEqual([{ type: 'notification', subject: 'notify.user.u.test', kind: 'test', data: { title: 'Hi' } }]);

    vi.advanceTimersByTime(25000);
    expect(FakeSocket.all[0].sent).toEqual(['{"type":"ping"}']);

    FakeSocket.all[0].drop(); // the server went away
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2); // after 1 s
    FakeSocket.all[1].drop(); // failed again before opening
    vi.advanceTimersByTime(1999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3); // after 2 s
    FakeSocket.all[2].open(); // success resets the backoff
    FakeSocket.all[2].drop();
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(4);
    expect(states).toContain('open');
    expect(states).toContain('closed');

    s.stop(); // a stopped socket stays down
    vi.advanceTimersByTime(60000);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it('builds the socket URL from the page', () => {
    expect(wsUrl({ protocol: 'https:', host: 'app.example.com' } as Location)).toBe('wss://app.example.com/ws');
    expect(wsUrl({ protocol: 'http:', host: '127.0.0.1:8080' } as Location)).toBe('ws://127.0.0.1:8080/ws');
  });
});
