// The JSON shapes of the API (proto field names, see proto/*.proto and GET /api/openapi.json).

export type Role = 'owner' | 'admin' | 'member';

export interface User { id: string; email: string; name?: string; language?: 'ru' | 'en'; created_at?: string }
export interface Organization { id: string; name: string; created_at?: string }
export interface SessionInfo { user: User; organization: Organization; role: Role }
export interface OrgEntry { id: string; name: string; role: Role; joined_at?: string; current?: boolean }
export interface Member { user_id: string; email: string; name?: string; role: Role; joined_at?: string }
export interface Invite { id: string; email: string; role: Role; invited_by?: string; created_at?: string; expires_at?: string }
export interface ApiKey { id: string; name: string; prefix?: string; user_id?: string; created_at?: string; last_used_at?: string; key?: string }

export type AgentStatus = 'active' | 'paused';
export type Channel = 'kommo_chat' | 'email' | 'whatsapp' | 'telegram' | 'instagram' | 'facebook' | 'web';
export const CHANNELS: Channel[] = ['kommo_chat', 'email', 'whatsapp', 'telegram', 'instagram', 'facebook', 'web'];
export type AgentLanguage = 'auto' | 'ru' | 'en';

export interface Interval { day: number; start: string; end: string }
export interface WorkingHours { timezone?: string; intervals?: Interval[] }

export interface Agent {
  id: string;
  name: string;
  description?: string;
  status?: AgentStatus;
  model?: string;
  instructions?: string;
  temperature?: number;
  max_tokens?: number;
  response_delay_seconds?: number;
  channels?: Channel[];
  pipeline_ids?: string[];
  pipeline_status_ids?: string[];
  kb_category_ids?: string[];
  working_hours?: WorkingHours;
  language?: AgentLanguage;
  version?: number;
  created_at?: string;
  updated_at?: string;
}
export interface Page<T> { items?: T[]; total?: number; page?: number; per_page?: number; pages?: number }
export interface AgentVersion { version: number; action: string; restored_from?: number; agent?: Agent; created_at?: string; created_by?: string }
export interface Script { id: string; agent_id: string; name: string; body?: string; variables?: string[]; pipeline_status_id?: string; updated_at?: string }

export interface Category { id: string; parent_id?: string; name: string; description?: string; position?: number; children?: Category[] }
export interface Article {
  id: string;
  category_id?: string;
  title: string;
  body?: string;
  tags?: string[];
  created_at?: string;
  updated_at?: string;
  snippet?: string;
  rank?: number;
  body_size?: number;
}

export interface Notification { id: string; kind: string; subject: string; data: unknown; at: number; read: boolean }
