// Onboarding progress, derived from the organisation's real data (not stored): an agent exists,
// a category and an article exist. Skipping is remembered per organisation in localStorage.
import { api } from './api';
import type { Agent, Article, Category, Page } from './types';

export interface Progress { agents: number; activeAgents: number; categories: number; articles: number; firstAgent?: Agent; recent: Agent[] }

export function countCategories(tree: Category[] | undefined): number {
  return (tree ?? []).reduce((n, c) => n + 1 + countCategories(c.children), 0);
}

export async function loadProgress(): Promise<Progress> {
  const [agents, active, cats, arts] = await Promise.all([
    api.get<Page<Agent>>('/api/agents', { per_page: 5, sort: '-updated_at' }),
    api.get<Page<Agent>>('/api/agents', { per_page: 1, status: 'active' }),
    api.get<{ items?: Category[] }>('/api/kb/categories'),
    api.get<Page<Article>>('/api/kb/articles', { per_page: 1 }),
  ]);
  return {
    agents: agents.total ?? 0,
    activeAgents: active.total ?? 0,
    categories: countCategories(cats.items),
    articles: Number(arts.total ?? 0),
    firstAgent: agents.items?.[0],
    recent: agents.items ?? [],
  };
}

export const setupDone = (p: Progress) => p.agents > 0 && p.categories > 0 && p.articles > 0;

const key = (org: string) => `onboarding:skipped:${org}`;
export const isSkipped = (org: string) => localStorage.getItem(key(org)) === '1';
export const setSkipped = (org: string, v: boolean) => (v ? localStorage.setItem(key(org), '1') : localStorage.removeItem(key(org)));
