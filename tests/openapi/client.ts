// client.ts - a small typed client over the types openapi-typescript generates from the edge's
// document (generated/api.d.ts), compiled with tsc --noEmit in strict mode by run.sh. It is
// what a client author writes: if the document loses a `required`, lets an "unspecified" enum
// in, makes a body optional or drops an error status, this file stops compiling (each
// expect-error directive below fails when the error it expects goes away).
import createClient from 'openapi-fetch';
import type { components, paths } from './generated/api';

type Schemas = components['schemas'];
type Agent = Schemas['agents.Agent'];
type ApiError = Schemas['Error'];
type UpdateAgentBody = paths['/api/agents/{id}']['patch']['requestBody']['content']['application/json'];

export const api = createClient<paths>({ baseUrl: 'http://127.0.0.1:8080' });

/** The message of an error answer: the Error schema is declared on every error status. */
export function errorText(e: ApiError): string {
  const { code, message, request_id } = e.error; // all three are required
  return `${code}: ${message} (request ${request_id})`;
}

export async function signIn(email: string, password: string): Promise<string> {
  const { data, error, response } = await api.POST('/api/auth/login', { body: { email, password } });
  if (error) {
    if (response.status === 429) return `retry after ${response.headers.get('Retry-After') ?? '?'} s`;
    return errorText(error);
  }
  // SessionInfo: user, organization and role are always there
  return `${data.user.name} <${data.user.email}> in ${data.organization.name} as ${data.role}`;
}

export async function agents(): Promise<Agent[]> {
  const { data, error } = await api.GET('/api/agents', {
    params: { query: { status: 'active', channel: 'telegram', per_page: 20 } },
  });
  if (error) throw new Error(errorText(error));
  const pages: number = data.pages; // required in the answer
  void pages;
  return data.items; // always present ([] when empty)
}

export async function createAgent(name: string): Promise<string> {
  const { data, error } = await api.POST('/api/agents', {
    body: { name, status: 'paused', channels: ['web', 'email'], language: 'auto' },
  });
  if (error) throw new Error(errorText(error));
  const agent: Agent = data;
  const channels: string[] = agent.channels; // required: no undefined to handle
  const created: string = agent.created_at;
  void channels;
  void created;
  return agent.id;
}

export async function rename(id: string, name: string): Promise<Agent | string> {
  const { data, error, response } = await api.PATCH('/api/agents/{id}', {
    params: { path: { id } },
    body: { name, clear: ['working_hours'] },
  });
  if (error) return response.status === 404 ? 'gone' : errorText(error);
  return data;
}

export async function scripts(agentId: string): Promise<string[]> {
  const { data } = await api.GET('/api/agents/{agent_id}/scripts', { params: { path: { agent_id: agentId } } });
  return (data?.items ?? []).map((s) => `${s.name}: ${s.variables.join(', ')}`);
}

export async function categoryNames(): Promise<string[]> {
  const { data } = await api.GET('/api/kb/categories');
  const names = (cs: Schemas['rag.Category'][]): string[] => cs.flatMap((c) => [c.name, ...names(c.children)]);
  return names(data?.items ?? []);
}

export async function ready(): Promise<boolean> {
  const { data, error } = await api.GET('/api/health/ready');
  return !error && data.status === 'ready';
}

export function onFrame(frame: Schemas['edge.WsHello'] | Schemas['edge.WsNotification']): string {
  return frame.type === 'hello' ? `hello ${frame.user_id}` : `${frame.kind} on ${frame.subject}`;
}

// What must not compile.
export async function refused(): Promise<void> {
  // @ts-expect-error the body of POST /api/agents is required
  await api.POST('/api/agents', {});
  // @ts-expect-error name is required
  await api.POST('/api/agents', { body: { status: 'active' } });
  // @ts-expect-error "unspecified" is no status
  await api.POST('/api/agents', { body: { name: 'x', status: 'unspecified' } });
  // @ts-expect-error the path sets id: it is not part of the body
  const patch: UpdateAgentBody = { name: 'n', id: 'y' };
  void patch;
  // @ts-expect-error email and password are required
  await api.POST('/api/auth/login', { body: { email: 'a@example.com' } });
  const { data } = await api.GET('/api/agents/{id}', { params: { path: { id: 'x' } } });
  if (data) {
    // @ts-expect-error ids are readOnly
    data.id = 'other';
  }
}
